"""The verdict of one task: a pure function of its findings, runs and summary."""

from __future__ import annotations

from collections.abc import Sequence

from grader.ids import CheckId
from grader.records import Finding, RunMetrics, Severity, TaskSummary, Verdict
from grader.spec import TaskSpec


def decide_verdict(
    *,
    task: TaskSpec,
    findings: Sequence[Finding],
    runs: Sequence[RunMetrics],
    runs_expected: int,
    summary: TaskSummary,
) -> Verdict:
    """missing > invalid (any violation) > incomplete (runs still to do) > high_performance/valid.

    A violation decides even while runs are missing: more runs cannot make it valid again.
    """
    if any(f.check == CheckId.FILES_MISSING for f in findings):
        return Verdict.MISSING
    if any(f.severity is Severity.VIOLATION for f in findings):
        return Verdict.INVALID
    if len(runs) < runs_expected or summary.mean_error_pct is None:
        return Verdict.INCOMPLETE
    if summary.mean_error_pct <= task.high_performance_error_pct:
        return Verdict.HIGH_PERFORMANCE
    return Verdict.VALID
