"""Turn what the store observed for one task into a ``TaskResult``: parse, check, summarise, decide.

Pure: the same static result and outcomes always give the same result, so reports can be rebuilt
from the store at any time and a fixed check re-grades without running anything.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from grader.checks.base import RunContext
from grader.checks.runtime import RUNTIME_CHECKS
from grader.original.parse import parse_original
from grader.records import Finding, RunOutcome, Severity, StaticResult, TaskResult
from grader.spec import Assignment
from grader.judge.summary import parse_run, summarise
from grader.judge.verdict import decide_verdict

log = logging.getLogger(__name__)


def runtime_findings(ctx: RunContext) -> list[Finding]:
    findings: list[Finding] = []
    for check in RUNTIME_CHECKS:
        try:
            findings.extend(check.check(ctx))
        except Exception as exc:  # a bug in one check must not lose the class's results
            log.exception("runtime check %s failed", check.id)
            findings.append(Finding(check.id, Severity.WARNING,
                                    f"the check itself failed ({exc!r}); review by hand"))
    return findings


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
    parsed = [
        parse_run(o, patterns=original.output_patterns, fields=assignment.output_fields)[0]
        for o in outcomes
    ]
    findings = list(static.findings)
    if outcomes:
        ctx = RunContext(
            assignment=assignment, task=task, original=original, file_name=task.file,
            outcomes=tuple(outcomes), metrics=tuple(parsed),
        )
        findings += runtime_findings(ctx)
    summary = summarise(parsed, outcomes)
    expected = runs_expected if static.diff is not None else 0  # nothing runs without a file
    verdict = decide_verdict(
        task=task, findings=findings, runs=parsed, runs_expected=expected, summary=summary
    )
    return TaskResult(
        task=task_id,
        verdict=verdict,
        findings=tuple(findings),
        runs=tuple(parsed),
        summary=summary,
        diff=static.diff,
        outcomes=tuple(outcomes),
        figure_png=figure_png,
    )
