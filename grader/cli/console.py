"""What ``grader run`` shows in the terminal: a live progress bar and the summary table.

Student ids come from folder and archive names: they are always escaped (or shown as ``Text``),
never parsed as Rich markup, so an id like ``s2[/]`` prints as it is.
"""

from __future__ import annotations

from collections.abc import Sequence

from rich.console import Console
from rich.markup import escape
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
from rich.text import Text

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
        key = ("grader_error" if outcome.grader_error else
               "analysis" if spec.analysis else str(outcome.status))
        self._tally[key] = self._tally.get(key, 0) + 1
        tally = " ".join(f"{k}:{v}" for k, v in sorted(self._tally.items()))
        if outcome.grader_error or (outcome.status is not RunStatus.OK and not spec.analysis):
            run = "analysis run" if spec.analysis else f"run {spec.index + 1}"
            line = Text(f"  {spec.submission_id} {spec.task} {run}: {outcome.status}")
            if outcome.note:
                line.append(f" ({outcome.note})")
            self._bar.console.print(line)
        assert self._task is not None
        self._bar.update(self._task, advance=1,
                         description=escape(f"{spec.submission_id} {spec.task}"), tally=tally)

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
                Text(result.id), Text(task_id),
                Text(str(task.verdict), style=VERDICT_STYLE[task.verdict]),
                error, _number(s.model_size, ","),
                _number(s.mean_duration_s, ".1f") + ("s" if s.mean_duration_s is not None else ""),
                Text(", ".join(violations)),
            )
    return table
