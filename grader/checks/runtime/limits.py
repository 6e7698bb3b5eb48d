"""The task's limits, judged on all runs: parameters, mean test error, mean running time."""

from __future__ import annotations

import statistics
from collections.abc import Iterable, Sequence

from grader.checks.base import RunContext, RuntimeCheck
from grader.ids import CheckId
from grader.records import Finding, RunMetrics, RunStatus


class ParamsMax(RuntimeCheck):
    id = CheckId.PARAMS_MAX

    def check(self, ctx: RunContext) -> Iterable[Finding]:
        size = ctx.summary.model_size
        if size is not None and size > ctx.task.max_params:
            yield self.finding(
                f"the model has {size:,} parameters; the limit is {ctx.task.max_params:,}",
                file=ctx.file_name,
            )


class ErrorMax(RuntimeCheck):
    id = CheckId.ERROR_MAX

    def check(self, ctx: RunContext) -> Iterable[Finding]:
        mean = ctx.summary.mean_error_pct
        if mean is not None and mean > ctx.task.max_error_pct:
            yield self.finding(
                f"the mean test error is {mean:.2f}%; the limit is {ctx.task.max_error_pct:g}%",
                file=ctx.file_name,
            )


def mean_wall(metrics: Sequence[RunMetrics]) -> float | None:
    """Mean wall time of the ok runs, as measured by the parent (what ``time.max`` judges)."""
    walls = [m.wall_s for m in metrics if m.status is RunStatus.OK]
    return statistics.fmean(walls) if walls else None


class TimeMax(RuntimeCheck):
    """The assignment asks for a mean running time on CPU under the limit.

    Judged on the wall time the grader measured for each run (pinned to its own cores, so runs do
    not slow each other), not on the printed duration, which the script itself computes.
    """

    id = CheckId.TIME_MAX

    def check(self, ctx: RunContext) -> Iterable[Finding]:
        mean = mean_wall(ctx.metrics)
        limit = ctx.task.max_mean_duration_s
        if mean is not None and mean >= limit:
            yield self.finding(
                f"the mean running time is {mean:.1f}s; it must be under {limit:g}s",
                file=ctx.file_name,
            )
