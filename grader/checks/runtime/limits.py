"""The task's limits, judged on all runs: parameters, mean test error, mean running time."""

from __future__ import annotations

from collections.abc import Iterable

from grader.checks.base import RunContext, RuntimeCheck
from grader.records import Finding
from grader.judge.summary import mean_wall, summarise


class ParamsMax(RuntimeCheck):
    id = "params.max"

    def check(self, ctx: RunContext) -> Iterable[Finding]:
        size = summarise(ctx.metrics, ctx.outcomes).model_size
        if size is not None and size > ctx.task.max_params:
            yield self.finding(
                f"the model has {size:,} parameters; the limit is {ctx.task.max_params:,}",
                file=ctx.file_name,
            )


class ErrorMax(RuntimeCheck):
    id = "error.max"

    def check(self, ctx: RunContext) -> Iterable[Finding]:
        mean = summarise(ctx.metrics).mean_error_pct
        if mean is not None and mean > ctx.task.max_error_pct:
            yield self.finding(
                f"the mean test error is {mean:.2f}%; the limit is {ctx.task.max_error_pct:g}%",
                file=ctx.file_name,
            )


class TimeMax(RuntimeCheck):
    """The assignment asks for a mean running time on CPU under the limit.

    Judged on the wall time the grader measured for each run (pinned to its own cores, so runs do
    not slow each other), not on the printed duration, which the script itself computes.
    """

    id = "time.max"

    def check(self, ctx: RunContext) -> Iterable[Finding]:
        mean = mean_wall(ctx.metrics)
        limit = ctx.task.max_mean_duration_s
        if mean is not None and mean >= limit:
            yield self.finding(
                f"the mean running time is {mean:.1f}s; it must be under {limit:g}s",
                file=ctx.file_name,
            )
