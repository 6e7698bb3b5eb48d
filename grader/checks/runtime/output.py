"""What was printed: exactly the provided lines, and numbers that agree with what was measured."""

from __future__ import annotations

from collections.abc import Iterable

from grader.checks.base import RunContext, RuntimeCheck
from grader.ids import CheckId
from grader.records import Finding, RunStatus


class OutputFormat(RuntimeCheck):
    id = CheckId.OUTPUT_FORMAT

    def check(self, ctx: RunContext) -> Iterable[Finding]:
        for outcome, metrics, parsed in zip(ctx.outcomes, ctx.metrics, ctx.parsed, strict=True):
            if metrics.status is not RunStatus.BAD_OUTPUT:
                continue
            if parsed is None:  # the executor stopped a flood, so nothing was parsed
                problem = outcome.note or "the run flooded its output"
            else:
                problem = parsed.problem or "stdout is not the provided lines"
            yield self.finding(
                f"run {outcome.index + 1}: stdout must be exactly the provided lines: {problem}",
                file=ctx.file_name,
            )
            return  # one run shows it; the rest would repeat it


class OutputMismatch(RuntimeCheck):
    """The printed size must be the trained model's; the printed duration the measured one.

    The provided timer starts just after the interpreter starts and the duration is printed just
    before it exits, so the printed duration may fall short of the wall time the parent measured by
    the interpreter's start-up and tear-down (a few seconds at most), never exceed it.
    """

    id = CheckId.OUTPUT_MISMATCH
    slack_s = 8.0  # start-up (harness, imports before the timer) plus TensorFlow's tear-down
    slack_fraction = 0.10
    over_s = 1.0  # clock granularity and rounding of the printed value

    def check(self, ctx: RunContext) -> Iterable[Finding]:
        for outcome, metrics in zip(ctx.outcomes, ctx.metrics, strict=True):
            if metrics.status is not RunStatus.OK:
                continue
            run = f"run {outcome.index + 1}"
            size = outcome.trained_size
            if size is not None and metrics.model_size is not None and size != metrics.model_size:
                yield self.finding(
                    f"{run} printed a model size of {metrics.model_size}, but the trained model "
                    f"has {size} parameters",
                    file=ctx.file_name,
                )
                return
            printed = metrics.duration_s
            if printed is None:
                continue
            low = outcome.wall_s - max(self.slack_s, self.slack_fraction * outcome.wall_s)
            if printed > outcome.wall_s + self.over_s or printed < low:
                yield self.finding(
                    f"{run} printed a duration of {printed:.1f}s, but the run took "
                    f"{outcome.wall_s:.1f}s of wall time",
                    file=ctx.file_name,
                )
                return
