"""One place applies checks: a check that raises is a warning naming it, the others still run.

Both stages go through it: the static stage (``check_submission``) and the judge (``grade_task``).
"""

from __future__ import annotations

import ast
from collections.abc import Iterable
from pathlib import Path

import pytest

from grader.checks.base import RunContext, RuntimeCheck, StaticCheck, TaskContext
from grader.checks.runtime import RUNTIME_CHECKS
from grader.checks.stage import check_submission
from grader.checks.static import STATIC_CHECKS
from grader.ids import CheckId
from grader.intake.discover import discover
from grader.judge.grade import grade_task
from grader.pysource.scan import Scan, build_scan
from grader.records import DiffSummary, Finding, RunStatus, Severity, StaticResult, Verdict
from grader.spec import Assignment
from tests.runtime_fakes import outcome

STATIC = StaticResult("task1", (), DiffSummary(1, 1, ""))  # task1.py handed in, nothing found


class BrokenStatic(StaticCheck):
    id = CheckId.FRAMEWORK

    def check(self, ctx: TaskContext) -> Iterable[Finding]:
        raise ValueError("a bug in a static check")


class BrokenRuntime(RuntimeCheck):
    id = CheckId.TIME_MAX

    def check(self, ctx: RunContext) -> Iterable[Finding]:
        yield from ()
        raise KeyError("a bug in a runtime check")


def test_a_static_check_that_raises_is_a_warning_and_the_others_run(
    tmp_path: Path, assignment: Assignment, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("grader.checks.stage.STATIC_CHECKS", [BrokenStatic(), *STATIC_CHECKS])
    folder = tmp_path / "s"
    folder.mkdir()
    original = assignment.task("task1").original.read_text()
    (folder / "task1.py").write_text(original + "\nimport random\nrandom.seed(1)\n")
    (submission,) = discover([folder], assignment=assignment)
    result = check_submission(submission, assignment=assignment, tasks=["task1"])["task1"]
    broken = [f for f in result.findings if f.check == CheckId.FRAMEWORK]
    assert [(f.severity, f.file) for f in broken] == [(Severity.WARNING, "task1.py")]
    assert "a bug in a static check" in broken[0].message and "review by hand" in broken[0].message
    assert any(f.check == CheckId.SEED and f.severity is Severity.VIOLATION
               for f in result.findings)


def test_a_runtime_check_that_raises_is_a_warning_and_the_others_run(
    assignment: Assignment, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("grader.judge.grade.RUNTIME_CHECKS", [BrokenRuntime(), *RUNTIME_CHECKS])
    runs = [outcome(i, error=2.0 + i / 10) for i in range(4)]
    runs.append(outcome(4, status=RunStatus.FAILED, stdout="", stderr="ValueError: shapes"))
    result = grade_task(
        assignment=assignment, task_id="task1", static=STATIC, outcomes=runs, runs_expected=5,
    )
    assert [(f.check, f.severity) for f in result.findings] == [
        (CheckId.TIME_MAX, Severity.WARNING),
        (CheckId.RUN_FAILED, Severity.VIOLATION),
    ]
    assert "a bug in a runtime check" in result.findings[0].message
    assert result.verdict is Verdict.INVALID


def test_without_a_broken_check_the_same_runs_give_only_their_finding(
    assignment: Assignment,
) -> None:
    """The near miss: the real checks alone find the crash and nothing else."""
    runs = [outcome(i, error=2.0 + i / 10) for i in range(4)]
    runs.append(outcome(4, status=RunStatus.FAILED, stdout="", stderr="ValueError: shapes"))
    result = grade_task(
        assignment=assignment, task_id="task1", static=STATIC, outcomes=runs, runs_expected=5,
    )
    assert [(f.check, f.severity) for f in result.findings] == [
        (CheckId.RUN_FAILED, Severity.VIOLATION)
    ]


def test_the_static_checks_share_one_scan_made_in_the_context(
    tmp_path: Path, assignment: Assignment, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every static check reads the scan; it is built once per task file, and kept nowhere else."""
    built: list[ast.Module] = []

    def counted(tree: ast.Module) -> Scan:
        built.append(tree)
        return build_scan(tree)

    monkeypatch.setattr("grader.checks.base.build_scan", counted)
    folder = tmp_path / "s"
    folder.mkdir()
    for task in assignment.tasks:
        (folder / task.file).write_text(task.original.read_text())
    (submission,) = discover([folder], assignment=assignment)
    check_submission(submission, assignment=assignment)
    assert len(built) == len(assignment.tasks) == len({id(tree) for tree in built})
