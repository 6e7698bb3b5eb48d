"""Pure functions that turn run outcomes into metrics and merge repeated runs into a summary.

How runs enter the means: only runs whose status is ``ok`` (exited 0 and printed the three lines)
count. A run that crashed, timed out, ran out of memory or printed something else has no error to
average; it is a violation of its own (``run.failed``, ``run.timeout``, ``run.memory``,
``output.format``), so the task is invalid whatever the other runs' mean says.
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence

from grader.judge.stdout import parse_output
from grader.records import ParsedOutput, RunMetrics, RunOutcome, RunStatus, TaskSummary


def parse_run(
    outcome: RunOutcome, *, patterns: Sequence[str], fields: Sequence[str]
) -> tuple[RunMetrics, ParsedOutput | None]:
    """The run as results.json shows it; an exit 0 whose stdout does not parse is ``bad_output``."""
    parsed: ParsedOutput | None = None
    status = outcome.status
    values: dict[str, float] = {}
    if status is RunStatus.OK:
        parsed = parse_output(outcome.stdout, patterns=patterns, fields=fields)
        if parsed.values is None:
            status = RunStatus.BAD_OUTPUT
        else:
            values = parsed.values
    size = values.get("model_size")
    error = values.get("error_pct")
    evaluation = outcome.evaluation
    if status is RunStatus.OK and evaluation is not None:  # the grader's numbers decide
        error = evaluation.error_pct if evaluation.error_pct is not None else error
        size = evaluation.params if evaluation.params is not None else size
    metrics = RunMetrics(
        index=outcome.index,
        status=status,
        error_pct=error,
        model_size=None if size is None else int(size),
        duration_s=values.get("duration_s"),
        wall_s=round(outcome.wall_s, 3),
        cpu_s=round(outcome.cpu_s, 3),
        max_rss_mb=round(outcome.max_rss_mb, 1),
        evaluated_by=None if evaluation is None else evaluation.by,
    )
    return metrics, parsed


def ok_runs(metrics: Sequence[RunMetrics]) -> list[RunMetrics]:
    return [m for m in metrics if m.status is RunStatus.OK]


def summarise(metrics: Sequence[RunMetrics], outcomes: Sequence[RunOutcome] = ()) -> TaskSummary:
    """Mean and sample standard deviation of the error over ok runs, the model size, mean time.

    The model size is the largest seen (the harness's count where it has one, else the printed
    one), so a model that grows between runs is judged by its biggest version.
    """
    good = ok_runs(metrics)
    errors = [m.error_pct for m in good if m.error_pct is not None]
    durations = [m.duration_s for m in good if m.duration_s is not None]
    sizes = [m.model_size for m in good if m.model_size is not None]
    sizes += [s for o in outcomes if (s := o.trained_size) is not None]
    return TaskSummary(
        mean_error_pct=round(statistics.fmean(errors), 3) if errors else None,
        std_error_pct=round(statistics.stdev(errors), 3) if len(errors) > 1
        else (0.0 if errors else None),
        model_size=max(sizes) if sizes else None,
        mean_duration_s=round(statistics.fmean(durations), 2) if durations else None,
    )
