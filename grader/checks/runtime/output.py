"""What was printed: exactly the provided lines, and numbers that agree with what was measured."""

from __future__ import annotations

from collections.abc import Iterable

from grader.checks.base import RunContext, RuntimeCheck
from grader.ids import CheckId
from grader.records import Finding, RunOutcome, RunStatus


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
    """The printed error and size must be the grader's own; the duration the measured one.

    The grader evaluates each run's model itself (``RunOutcome.evaluation``): the printed error
    must agree with it, and a run that printed results without the provided evaluation having
    run on the grader's test rows is a mismatch of its own.

    The provided timer starts just after the interpreter starts and the duration is printed just
    before it exits, so the printed duration may fall short of the wall time the parent measured by
    the interpreter's start-up and tear-down (a few seconds at most), never exceed it.
    """

    id = CheckId.OUTPUT_MISMATCH
    slack_s = 8.0  # start-up (harness, imports before the timer) plus TensorFlow's tear-down
    slack_fraction = 0.10
    over_s = 1.0  # clock granularity and rounding of the printed value
    #: the printed error may differ from the grader's by a few rows' float rounding (1,000 rows)
    error_slack_pct = 0.5

    def check(self, ctx: RunContext) -> Iterable[Finding]:
        for outcome, metrics, parsed in zip(ctx.outcomes, ctx.metrics, ctx.parsed, strict=True):
            if metrics.status is not RunStatus.OK:
                continue
            run = f"run {outcome.index + 1}"
            values = parsed.values if parsed is not None and parsed.values is not None else {}
            problem = _against_grader(outcome, values, self.error_slack_pct)
            if problem:
                yield self.finding(f"{run} {problem}", file=ctx.file_name)
                return
            size = outcome.trained_size
            printed_size = values.get("model_size")
            if size is not None and printed_size is not None and size != int(printed_size):
                yield self.finding(
                    f"{run} printed a model size of {int(printed_size)}, but the trained model "
                    f"has {size} parameters",
                    file=ctx.file_name,
                )
                return
            printed = values.get("duration_s")
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


def _against_grader(outcome: RunOutcome, values: dict[str, float], slack: float) -> str | None:
    """What disagrees with the grader's own evaluation of the run (issue 10), if anything."""
    evaluation = outcome.evaluation
    if evaluation is None:
        return None  # a run made without the grader's split (older runs, tests)
    if evaluation.by == "none":
        return (f"printed its results, but the provided evaluation was not run on the "
                f"grader's test rows ({evaluation.note or 'no model was handed over'})")
    facts = outcome.facts
    if facts is not None and not facts.split_applied:
        return "printed its results, but the provided split did not draw the grader's permutation"
    printed = values.get("error_pct")
    if printed is not None and evaluation.error_pct is not None \
            and abs(printed - evaluation.error_pct) > slack:
        return (f"printed a test error of {printed:.2f}%, but the grader measured "
                f"{evaluation.error_pct:.2f}% for the same model on the same test rows")
    return None
