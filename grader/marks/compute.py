"""From verdicts to marks: the ``[marking]`` scheme applied to what the store observed.

Pure: the same results, scheme and overrides always give the same marks, so a changed scheme or a
new override re-marks the class when outputs are rendered (``grader report DIR``), running
nothing. Each mark carries its breakdown, in the order it was computed::

    task1: valid: 70 %; diff.excessive: −5 % → 32.5/50 | task2: high_performance: 100 % → 50/50
    | 1 started day late: −10 % = 72.5/100

A task's share of its marks is set by its verdict (or, for a valid task, by the first of the
scheme's steps its mean error is at or under), then lowered once per check id the scheme deducts
for, never below 0. An instructor's override replaces the verdict or the share and may waive
findings; a stale one (the hand-in changed) is shown and not applied. The late policy's deduction
comes last, off the full mark or off the mark as the scheme says, never below 0.
"""

from __future__ import annotations

import statistics
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from grader.marks.model import Adjustment, AppliedOverride, Override, StudentMarks, TaskMark
from grader.marks.overrides import match_overrides
from grader.marks.uncertainty import interval, ok_errors
from grader.records import (
    Lateness,
    LateStatus,
    Severity,
    SubmissionResult,
    TaskResult,
    Verdict,
)
from grader.spec import Assignment, MarkingScheme, TaskSpec

#: without a ``[marking]`` table: every task alike, any valid verdict in full (marks not shown)
DEFAULT_SHARES = {Verdict.HIGH_PERFORMANCE.value: 100.0, Verdict.VALID.value: 100.0}


@dataclass(frozen=True)
class ClassMarks:
    """The marks of a class, and the overrides that name no graded student or task."""

    students: dict[str, StudentMarks]
    scheme: MarkingScheme | None  # None: the assignment sets no scheme (intervals only)
    unmatched: tuple[Override, ...] = ()


def default_scheme(assignment: Assignment) -> MarkingScheme:
    weight = 100 / max(1, len(assignment.tasks))
    return MarkingScheme({t.id: weight for t in assignment.tasks}, dict(DEFAULT_SHARES))


def _verdict_after_waiving(result: TaskResult, waived: frozenset[str], task: TaskSpec) -> Verdict:
    """An invalid task whose every violation was waived is judged on its mean error alone."""
    if result.verdict is not Verdict.INVALID or not waived:
        return result.verdict
    left = {f.check for f in result.findings if f.severity is Severity.VIOLATION} - waived
    mean = result.summary.mean_error_pct
    if left or mean is None:
        return result.verdict
    return (Verdict.HIGH_PERFORMANCE if mean <= task.high_performance_error_pct
            else Verdict.VALID)


def _base(verdict: str, result: TaskResult, scheme: MarkingScheme) -> Adjustment:
    mean = result.summary.mean_error_pct
    if verdict == Verdict.VALID.value and mean is not None:
        for step in scheme.valid_steps:
            if mean <= step.error_pct:
                return Adjustment(f"valid, mean error {mean:.2f} % ≤ {step.error_pct:g} %",
                                  step.share, sets=True)
    return Adjustment(verdict, scheme.shares.get(verdict, 0.0), sets=True)


def mark_task(
    result: TaskResult, *, task: TaskSpec, scheme: MarkingScheme,
    overrides: Sequence[AppliedOverride] = (), confidence: float = 0.95,
) -> TaskMark:
    """One task's share of its marks, with the reasons, the interval and the overrides."""
    applied = [o.override for o in overrides if not o.stale]
    waived = frozenset(c for o in applied for c in o.waive)
    verdict = _verdict_after_waiving(result, waived, task).value
    lines: list[Adjustment] = []
    chosen = next((o for o in reversed(applied) if o.verdict), None)
    if chosen is not None and chosen.verdict:
        verdict = chosen.verdict
    base = _base(verdict, result, scheme)
    if chosen is not None:
        base = Adjustment(f"{base.label} (override by {chosen.by}: {chosen.reason})",
                          base.points, sets=True)
    lines.append(base)
    share = base.points
    if share > 0:
        counted = dict.fromkeys(f.check for f in result.findings if f.check not in waived)
        for check in counted:
            points = scheme.deductions.get(check)
            if points:
                lines.append(Adjustment(check, -points))
                share -= points
    for check in sorted(waived):
        lines.append(Adjustment(f"{check} waived (override)", 0.0))
    fixed = next((o for o in reversed(applied) if o.share is not None), None)
    if fixed is not None and fixed.share is not None:
        lines.append(Adjustment(f"override by {fixed.by}: {fixed.reason}", fixed.share,
                                sets=True))
        share = fixed.share
    return TaskMark(
        task=task.id, verdict=verdict, machine_verdict=result.verdict.value,
        share=round(min(100.0, max(0.0, share)), 2), weight=scheme.weights.get(task.id, 0.0),
        breakdown=tuple(lines),
        interval=interval(result, task=task, scheme=scheme, confidence=confidence),
        overrides=tuple(overrides), waived=tuple(sorted(waived)),
        file_sha256=result.file_sha256,
        **_with_extra_runs(result, task=task, scheme=scheme, confidence=confidence),
    )


def _with_extra_runs(result: TaskResult, *, task: TaskSpec, scheme: MarkingScheme,
                     confidence: float) -> dict[str, Any]:
    """The mean and interval over the counted runs and the extra ones (``--borderline-runs``),
    shown beside the verdict's; the rule stays the mean of the counted runs."""
    extra = ok_errors(result.extra_runs)
    if not extra:
        return {}
    every = replace(result, runs=(*result.runs, *result.extra_runs))
    errors = ok_errors(every.runs)
    return {"more": interval(every, task=task, scheme=scheme, confidence=confidence),
            "more_mean": round(statistics.fmean(errors), 3)}


def late_adjustment(lateness: Lateness, *, mode: str) -> Adjustment | None:
    """The late policy's line, when it takes anything (and the scheme applies it)."""
    if mode == "none" or lateness.status not in (LateStatus.LATE, LateStatus.AFTER_CUTOFF):
        return None
    if lateness.deduction_pct <= 0:
        return None
    if lateness.status is LateStatus.AFTER_CUTOFF:
        label = f"after the cut-off ({lateness.days_late} started days late)"
    else:
        label = f"{lateness.days_late} started day{'s' if lateness.days_late != 1 else ''} late"
    of = "of the full mark" if mode == "full_mark" else "of the mark"
    return Adjustment(f"{label}, {of}", -lateness.deduction_pct)


def mark_student(
    result: SubmissionResult, *, assignment: Assignment, scheme: MarkingScheme,
    overrides: Mapping[tuple[str, str], Sequence[AppliedOverride]] | None = None,
) -> StudentMarks:
    overrides = overrides or {}
    confidence = scheme.confidence
    tasks: dict[str, TaskMark] = {}
    for task in assignment.tasks:
        task_result = result.tasks.get(task.id)
        if task_result is None or task.id not in scheme.weights:
            continue
        tasks[task.id] = mark_task(task_result, task=task, scheme=scheme,
                                   overrides=overrides.get((result.id, task.id), ()),
                                   confidence=confidence)
    total = sum(m.mark for m in tasks.values())
    late = late_adjustment(result.lateness, mode=scheme.late)
    if late is not None:
        base = scheme.out_of if scheme.late == "full_mark" else total
        total -= base * -late.points / 100
    stale = tuple(o for m in tasks.values() for o in m.overrides if o.stale)
    return StudentMarks(result.id, tasks, round(max(0.0, total), 2), scheme.out_of, late, stale)


def mark_class(
    results: Sequence[SubmissionResult], *, assignment: Assignment,
    overrides: tuple[Override, ...] = (),
) -> ClassMarks:
    """Every student's marks (the assignment's scheme, or the default one for intervals only)."""
    scheme = assignment.marking or default_scheme(assignment)
    matched, unmatched = match_overrides(overrides, results)
    students = {r.id: mark_student(r, assignment=assignment, scheme=scheme, overrides=matched)
                for r in results}
    return ClassMarks(students, assignment.marking, tuple(unmatched))
