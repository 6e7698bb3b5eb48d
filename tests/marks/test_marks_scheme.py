"""The marking scheme: shares per verdict, steps, deductions, the late policy, the breakdown, and a
spec that cannot be used; each rule with a case that triggers it and a near miss that does not."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from grader.marks import mark_student, mark_task
from grader.marks.compute import late_adjustment
from grader.records import (
    Finding,
    Lateness,
    LateStatus,
    RunMetrics,
    RunStatus,
    Severity,
    SubmissionResult,
    TaskResult,
    TaskSummary,
    Verdict,
)
from grader.spec import Assignment, MarkingScheme, SpecError, Step, load_assignment

ROOT = Path(__file__).resolve().parents[2]


def runs(*errors: float) -> tuple[RunMetrics, ...]:
    return tuple(RunMetrics(n, RunStatus.OK, e, 1000, 10.0, 11.0, 9.0, 500.0)
                 for n, e in enumerate(errors))


def task_result(verdict: Verdict, *errors: float, findings: tuple[Finding, ...] = (),
                task: str = "task1", sha: str = "ab" * 32) -> TaskResult:
    mean = round(sum(errors) / len(errors), 3) if errors else None
    return TaskResult(task, verdict, findings, runs(*errors), TaskSummary(mean, 0.5, 1000, 10.0),
                      file_sha256=sha)


def warning(check: str) -> Finding:
    return Finding(check, Severity.WARNING, "a warning")


def student(t1: TaskResult, t2: TaskResult, *, late: Lateness | None = None) -> SubmissionResult:
    tasks = {"task1": t1, "task2": replace(t2, task="task2")}
    return SubmissionResult("s1", "src", "cd" * 32, tasks,
                            lateness=late or Lateness(LateStatus.NO_DEADLINE))


@pytest.fixture
def scheme(assignment: Assignment) -> MarkingScheme:
    assert assignment.marking is not None
    return assignment.marking


def test_the_shipped_scheme_is_the_assignments(scheme: MarkingScheme) -> None:
    assert scheme.weights == {"task1": 50.0, "task2": 50.0} and scheme.out_of == 100
    assert scheme.shares["high_performance"] == 100 and scheme.shares["valid"] == 70


def test_shares_per_verdict(assignment: Assignment, scheme: MarkingScheme) -> None:
    task = assignment.task("task1")
    assert mark_task(task_result(Verdict.HIGH_PERFORMANCE, 3, 4, 5), task=task,
                     scheme=scheme).mark == 50
    valid = mark_task(task_result(Verdict.VALID, 10, 10.5, 11), task=task, scheme=scheme)
    assert (valid.share, valid.mark) == (70, 35)
    assert [a.text for a in valid.breakdown] == ["valid: 70 %"]
    for verdict in (Verdict.INVALID, Verdict.MISSING, Verdict.INCOMPLETE):
        assert mark_task(task_result(verdict), task=task, scheme=scheme).mark == 0


def test_a_step_in_the_valid_band_and_its_near_miss(assignment: Assignment,
                                                    scheme: MarkingScheme) -> None:
    stepped = replace(scheme, valid_steps=(Step(10.5, 80.0),))
    task = assignment.task("task1")
    under = mark_task(task_result(Verdict.VALID, 10.4, 10.5, 10.6), task=task, scheme=stepped)
    assert under.share == 80 and "≤ 10.5 %" in under.breakdown[0].text
    over = mark_task(task_result(Verdict.VALID, 10.5, 10.6, 10.7), task=task, scheme=stepped)
    assert over.share == 70


def test_deductions_per_check_id_once_and_never_below_zero(assignment: Assignment,
                                                          scheme: MarkingScheme) -> None:
    task = assignment.task("task1")
    found = (warning("diff.excessive"), warning("diff.excessive"), warning("files.extra"))
    mark = mark_task(task_result(Verdict.VALID, 10, 11, 12, findings=found), task=task,
                     scheme=scheme)
    assert [a.text for a in mark.breakdown] == ["valid: 70 %", "diff.excessive: −5 %",
                                                "files.extra: −2 %"]
    assert mark.share == 63
    near = mark_task(task_result(Verdict.VALID, 10, 11, 12, findings=(warning(
        "runs.deterministic"),)), task=task, scheme=scheme)
    assert near.share == 70  # a check the scheme does not deduct for
    harsh = replace(scheme, deductions={"diff.excessive": 100.0, "files.extra": 50.0})
    assert mark_task(task_result(Verdict.VALID, 10, 11, 12, findings=found), task=task,
                     scheme=harsh).share == 0


def test_the_late_policy_comes_last(assignment: Assignment, scheme: MarkingScheme) -> None:
    late = Lateness(LateStatus.LATE, "2026-11-27T17:00:00+00:00", late_by_s=90_000,
                    days_late=1, deduction_pct=10.0)
    marks = mark_student(student(task_result(Verdict.HIGH_PERFORMANCE, 3, 4, 5),
                                 task_result(Verdict.VALID, 10, 11, 10.5), late=late),
                         assignment=assignment, scheme=scheme)
    assert marks.mark == 75  # 50 + 35 - 10 (of the full mark)
    assert marks.breakdown.endswith("1 started day late, of the full mark: −10 % = 75/100")
    of_mark = mark_student(student(task_result(Verdict.HIGH_PERFORMANCE, 3, 4, 5),
                                   task_result(Verdict.VALID, 10, 11, 10.5), late=late),
                           assignment=assignment, scheme=replace(scheme, late="mark"))
    assert of_mark.mark == 76.5
    grace = Lateness(LateStatus.GRACE, late.deadline, late_by_s=60)
    assert late_adjustment(grace, mode="full_mark") is None
    assert late_adjustment(late, mode="none") is None
    cutoff = replace(late, status=LateStatus.AFTER_CUTOFF, days_late=9, deduction_pct=100.0)
    assert mark_student(student(task_result(Verdict.HIGH_PERFORMANCE, 3, 4, 5),
                                task_result(Verdict.HIGH_PERFORMANCE, 3, 4, 5), late=cutoff),
                        assignment=assignment, scheme=scheme).mark == 0


def _spec(tmp_path: Path, marking: str, *, task_weights: bool = True) -> Path:
    text = (ROOT / "assignment.toml").read_text(encoding="utf-8")
    if not task_weights:
        text = "\n".join(line for line in text.splitlines() if not line.startswith("weight ="))
    start = text.index("[marking]")
    end = text.index("[limits]")
    text = text[:start] + marking + "\n" + text[end:]
    text = text.replace('"reference/', f'"{ROOT}/reference/').replace('"data/', f'"{ROOT}/data/')
    path = tmp_path / "assignment.toml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize("marking, says", [
    ("[marking]\nweights = { task1 = 50, task3 = 50 }", "unknown task 'task3'"),
    ("[marking]\nweights = { task1 = -5 }", "weights must add up to more than 0"),
    ("[marking]\nshares = { valid = 170 }", "must be 0-100"),
    ("[marking]\nshares = { passed = 70 }", "unknown verdict 'passed'"),
    ("[marking]\ndeductions = { \"diff.excesive\" = 5 }", "unknown check id 'diff.excesive'"),
    ("[marking]\nlate = \"sometimes\"", "late must be one of"),
    ("[marking]\nconfidence = 95", "confidence must lie between 0 and 1"),
    ("[marking]\nvalid_steps = [ { share = 80 } ]", "error_pct"),
])
def test_a_scheme_that_cannot_be_used_is_one_spec_error(tmp_path: Path, marking: str,
                                                        says: str) -> None:
    with pytest.raises(SpecError, match=says.replace("(", r"\(")):
        load_assignment(_spec(tmp_path, marking))


def test_weights_from_the_tasks_or_the_scheme(tmp_path: Path) -> None:
    both = load_assignment(_spec(tmp_path, "[marking]\nweights = { task1 = 70 }"))
    assert both.marking is not None and both.marking.weights == {"task1": 70, "task2": 50}
    with pytest.raises(SpecError, match="task2 has none"):
        load_assignment(_spec(tmp_path, "[marking]\nweights = { task1 = 100 }",
                              task_weights=False))
    alike = load_assignment(_spec(tmp_path, "[marking]", task_weights=False))
    assert alike.marking is not None and alike.marking.weights == {"task1": 50, "task2": 50}


def test_a_minimal_scheme_loads(tmp_path: Path) -> None:
    spec = load_assignment(_spec(tmp_path, "[marking]\nshares = { valid = 60 }"))
    assert spec.marking is not None and spec.marking.weights == {"task1": 50.0, "task2": 50.0}
    assert load_assignment(_spec(tmp_path, "")).marking is None
