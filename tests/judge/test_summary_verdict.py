"""Merging repeated runs and deciding verdicts: pure functions, checked on canned runs."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

import pytest

from grader.judge.stdout import parse_output
from grader.judge.summary import parse_run, summarise
from grader.judge.verdict import decide_verdict
from grader.records import Finding, RunStatus, Severity, TaskSummary, Verdict
from grader.spec import Assignment
from tests.runtime_fakes import PATTERNS, outcome

FIELDS = ("error_pct", "model_size", "duration_s")


def test_parse_output_reads_the_three_lines() -> None:
    parsed = parse_output("Test error: 2.31%\nModel size: 34826\nDuration: 41.2s\n",
                          patterns=PATTERNS, fields=FIELDS)
    assert parsed.values == {"error_pct": 2.31, "model_size": 34826, "duration_s": 41.2}


@pytest.mark.parametrize("stdout", [
    "Test error: 2.31%\nModel size: 34826\n",  # a line short
    "Epoch 1\nTest error: 2.31%\nModel size: 34826\nDuration: 41.2s\n",  # an extra line
    "Test error: 2.3%\nModel size: 34826\nDuration: 41.2s\n",  # not the provided format
    "Test error: 2.31% \nModel size: 34826\nDuration: 41.2s\n",  # trailing space
    "",
])
def test_parse_output_rejects_anything_else(stdout: str) -> None:
    parsed = parse_output(stdout, patterns=PATTERNS, fields=FIELDS)
    assert parsed.values is None and parsed.problem


def test_summary_uses_only_ok_runs_and_sample_std() -> None:
    runs = [outcome(0, error=2.0), outcome(1, error=4.0),
            outcome(2, status=RunStatus.FAILED, stdout="")]
    metrics = [parse_run(o, patterns=PATTERNS, fields=FIELDS)[0] for o in runs]
    assert [m.status for m in metrics] == [RunStatus.OK, RunStatus.OK, RunStatus.FAILED]
    summary = summarise(metrics, runs)
    assert summary.mean_error_pct == 3.0
    assert summary.std_error_pct == pytest.approx(1.414, abs=1e-3)
    assert summary.mean_duration_s == 30.0
    assert summary.model_size == 20_000


def test_a_run_that_exits_zero_with_other_output_is_bad_output() -> None:
    metrics, parsed = parse_run(outcome(stdout="hello\n"), patterns=PATTERNS, fields=FIELDS)
    assert metrics.status is RunStatus.BAD_OUTPUT and metrics.error_pct is None
    assert parsed is not None and parsed.problem


def _verdict(assignment: Assignment, *, findings: Sequence[Finding] = (),
             errors: Sequence[float] = (2.0,) * 5, expected: int = 5) -> Verdict:
    task = assignment.task("task1")
    runs = [parse_run(outcome(i, error=e), patterns=PATTERNS, fields=FIELDS)[0]
            for i, e in enumerate(errors)]
    return decide_verdict(task=task, findings=list(findings), runs=runs, runs_expected=expected,
                          summary=summarise(runs))


def test_verdicts(assignment: Assignment) -> None:
    violation = Finding("seed", Severity.VIOLATION, "seeded")
    warning = Finding("diff.excessive", Severity.WARNING, "big diff")
    missing = Finding("files.missing", Severity.VIOLATION, "no task1.py")
    assert _verdict(assignment) is Verdict.HIGH_PERFORMANCE
    assert _verdict(assignment, errors=(9.0,) * 5) is Verdict.HIGH_PERFORMANCE  # at the line
    assert _verdict(assignment, errors=(9.01,) * 5) is Verdict.VALID
    assert _verdict(assignment, findings=[warning]) is Verdict.HIGH_PERFORMANCE
    assert _verdict(assignment, findings=[violation]) is Verdict.INVALID
    assert _verdict(assignment, findings=[missing], errors=(), expected=0) is Verdict.MISSING
    assert _verdict(assignment, errors=(2.0,) * 3) is Verdict.INCOMPLETE
    # a violation decides even before every run is in
    assert _verdict(assignment, findings=[violation], errors=(2.0,)) is Verdict.INVALID


def test_summary_of_nothing_is_empty() -> None:
    assert summarise([]) == TaskSummary()
    assert replace(TaskSummary(), mean_error_pct=None).to_json()["mean_error_pct"] is None
