"""How sure the mean of a few runs is: a t interval of the mean error, and borderline verdicts.

Every run draws a new train/test split, so the mean of five runs is itself a random number: the
example class's weak pair lands on the other side of the 9 % line in about one grading in
sixteen. The assignment's rule (the mean of its runs against the lines) still decides; an interval
that holds one of those lines only draws the instructor's eye. Student's t interval (the runs'
errors are roughly normal; with 5 runs the t quantile, not the normal one, is the honest width),
from SciPy's ``scipy.stats.t``.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence

from grader.ids import CheckId
from grader.marks.model import Interval
from grader.records import RunMetrics, RunStatus, Severity, TaskResult, Verdict
from grader.spec import MarkingScheme, TaskSpec

#: the verdicts that the mean error decides between (an invalid task for another reason does not
#: move with the error, so no interval can make it borderline)
ERROR_DECIDES = frozenset({Verdict.HIGH_PERFORMANCE, Verdict.VALID})


def t_interval(errors: Sequence[float], *, confidence: float) -> tuple[float, float] | None:
    """The two-sided t interval of the mean of ``errors``; None under two runs (no spread)."""
    if len(errors) < 2:
        return None
    from scipy import stats  # here: `grader check` and the CLI's start need none of SciPy

    mean = statistics.fmean(errors)
    half = float(stats.t.ppf((1 + confidence) / 2, len(errors) - 1)) * (
        statistics.stdev(errors) / math.sqrt(len(errors)))
    return round(mean - half, 3), round(mean + half, 3)


def thresholds(task: TaskSpec, scheme: MarkingScheme | None) -> tuple[float, ...]:
    """The lines a mean error is judged against: high performance, pass, and the scheme's steps."""
    lines = {task.high_performance_error_pct, task.max_error_pct}
    if scheme is not None:
        lines |= {step.error_pct for step in scheme.valid_steps}
    return tuple(sorted(lines))


def error_decides(result: TaskResult) -> bool:
    """Whether the verdict turns on the mean error: valid or better, or invalid only for it."""
    if result.verdict in ERROR_DECIDES:
        return True
    violated = {f.check for f in result.findings if f.severity is Severity.VIOLATION}
    return result.verdict is Verdict.INVALID and violated == {CheckId.ERROR_MAX}


def ok_errors(runs: Sequence[RunMetrics]) -> list[float]:
    return [r.error_pct for r in runs if r.status is RunStatus.OK and r.error_pct is not None]


def interval(result: TaskResult, *, task: TaskSpec, scheme: MarkingScheme | None,
             confidence: float) -> Interval | None:
    """The interval of the task's mean error, with the lines inside it when they matter."""
    errors = ok_errors(result.runs)
    bounds = t_interval(errors, confidence=confidence)
    if bounds is None:
        return None
    low, high = bounds
    inside = tuple(t for t in thresholds(task, scheme) if low <= t <= high)
    return Interval(low, high, len(errors), confidence,
                    inside if error_decides(result) else ())
