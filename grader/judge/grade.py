"""Turn what the store observed for one task into a ``TaskResult``: parse, check, summarise, decide.

Pure: the same static result and outcomes always give the same result, so reports can be rebuilt
from the store at any time and a fixed check re-grades without running anything.
"""

from __future__ import annotations

from collections.abc import Sequence

from grader.checks.apply import apply_checks
from grader.checks.base import RunContext
from grader.checks.runtime import RUNTIME_CHECKS
from grader.judge.summary import parse_run, summarise
from grader.judge.verdict import decide_verdict
from grader.original.parse import parse_original
from grader.records import Finding, OriginalScript, RunOutcome, StaticResult, TaskResult
from grader.spec import Assignment, TaskSpec


def run_context(
    *,
    assignment: Assignment,
    task: TaskSpec,
    original: OriginalScript,
    outcomes: Sequence[RunOutcome],
) -> RunContext:
    """The runtime checks' context: every run's stdout parsed once, and the task's summary.

    ``outcomes`` are the runs that count, in order; the checks read what the verdict reads.
    """
    pairs = [
        parse_run(o, patterns=original.output_patterns, fields=assignment.output_fields)
        for o in outcomes
    ]
    metrics = tuple(metrics for metrics, _ in pairs)
    return RunContext(
        assignment=assignment,
        task=task,
        original=original,
        file_name=task.file,
        outcomes=tuple(outcomes),
        metrics=metrics,
        parsed=tuple(parsed for _, parsed in pairs),
        summary=summarise(metrics, outcomes),
    )


def runtime_findings(ctx: RunContext) -> list[Finding]:
    """Every runtime check's findings, in registry order (a crashing check is a warning)."""
    return apply_checks(ctx, RUNTIME_CHECKS, where=ctx.file_name)


def grade_task(
    *,
    assignment: Assignment,
    task_id: str,
    static: StaticResult,
    outcomes: Sequence[RunOutcome],
    runs_expected: int,
    figure_png: bytes | None = None,
) -> TaskResult:
    task = assignment.task(task_id)
    original = parse_original(task)
    # the runs asked for are indexes 0 .. runs_expected - 1; any others stored do not count
    outcomes = sorted((o for o in outcomes if 0 <= o.index < runs_expected),
                      key=lambda o: o.index)
    ctx = run_context(assignment=assignment, task=task, original=original, outcomes=outcomes)
    findings = list(static.findings)
    if outcomes:
        findings += runtime_findings(ctx)
    expected = runs_expected if static.diff is not None else 0  # nothing runs without a file
    verdict = decide_verdict(
        task=task, findings=findings, runs=ctx.metrics, runs_expected=expected,
        summary=ctx.summary,
    )
    return TaskResult(
        task=task_id,
        verdict=verdict,
        findings=tuple(findings),
        runs=ctx.metrics,
        summary=ctx.summary,
        diff=static.diff,
        outcomes=tuple(outcomes),
        figure_png=figure_png,
    )
