"""What ``grader run`` shows in the terminal: a live progress bar and the summary table."""

from __future__ import annotations

from collections.abc import Sequence

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.table import Table

from grader.records import RunOutcome, RunSpec, RunStatus, Severity, SubmissionResult, Verdict

VERDICT_STYLE = {
    Verdict.HIGH_PERFORMANCE: "bold green",
    Verdict.VALID: "green",
    Verdict.INVALID: "bold red",
    Verdict.MISSING: "yellow",
    Verdict.INCOMPLETE: "magenta",
}


class RunProgress:
    """A progress bar over the runs of a batch, with counts of how they ended and an ETA."""

    def __init__(self, console: Console) -> None:
        self.console = console
        self._bar = Progress(
            TextColumn("[bold]{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.fields[tally]}"),
            TimeElapsedColumn(),
            TextColumn("eta"),
            TimeRemainingColumn(),
            console=console,
            transient=False,
        )
        self._task: TaskID | None = None
        self._tally: dict[str, int] = {}

    def start(self, *, total: int, skipped: int) -> None:
        if skipped:
            self.console.print(f"{skipped} run(s) already in the store: not run again")
        self._bar.start()
        self._task = self._bar.add_task("runs", total=total, tally="")

    def advance(self, spec: RunSpec, outcome: RunOutcome) -> None:
        key = "analysis" if spec.analysis else str(outcome.status)
        self._tally[key] = self._tally.get(key, 0) + 1
        tally = " ".join(f"{k}:{v}" for k, v in sorted(self._tally.items()))
        if outcome.status is not RunStatus.OK and not spec.analysis:
            self._bar.console.print(
                f"  {spec.submission_id} {spec.task} run {spec.index + 1}: {outcome.status}"
                + (f" ({outcome.note})" if outcome.note else "")
            )
        assert self._task is not None
        self._bar.update(self._task, advance=1, description=f"{spec.submission_id} {spec.task}",
                         tally=tally)

    def stop(self) -> None:
        self._bar.stop()


def _number(value: float | None, fmt: str) -> str:
    return "—" if value is None else format(value, fmt)


def summary_table(results: Sequence[SubmissionResult], *, title: str) -> Table:
    table = Table(title=title, show_lines=False)
    for column, justify in (("student", "left"), ("task", "left"), ("verdict", "left"),
                            ("mean error", "right"), ("size", "right"), ("mean time", "right"),
                            ("violations", "left")):
        # the numbers and the verdict never wrap: a narrow console folds the violations instead
        table.add_column(column, justify=justify, no_wrap=column != "violations")  # type: ignore[arg-type]
    for result in results:
        for task_id, task in result.tasks.items():
            s = task.summary
            error = _number(s.mean_error_pct, ".2f")
            if s.mean_error_pct is not None and s.std_error_pct is not None:
                error = f"{error} ± {s.std_error_pct:.2f} %"
            violations = sorted({f.check for f in task.findings
                                 if f.severity is Severity.VIOLATION})
            table.add_row(
                result.id, task_id,
                f"[{VERDICT_STYLE[task.verdict]}]{task.verdict}[/]",
                error, _number(s.model_size, ","),
                _number(s.mean_duration_s, ".1f") + ("s" if s.mean_duration_s is not None else ""),
                ", ".join(violations),
            )
    return table
