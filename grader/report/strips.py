"""Small strip plots of one student's runs: every run's test error as a dot on the class's scale.

They sit in table cells and on student pages, one per task, so a glance shows whether five runs
agree or scatter, and where they fall against the pass and high-performance lines. There are two
per student, hundreds per report, so they are drawn as a few SVG primitives whose coordinates are
computed here (a matplotlib figure each would take seconds per class); the template only places
them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from grader.records import RunMetrics
from grader.spec import TaskSpec


@dataclass(frozen=True)
class StripDot:
    x: float
    y: float
    off_scale: bool  # the error is past the right edge, drawn at the edge
    title: str

    @property
    def css(self) -> str:
        return "off" if self.off_scale else "dot"


@dataclass(frozen=True)
class StripMark:
    x: float
    css: str  # "pass" or "hp"
    title: str


@dataclass(frozen=True)
class Strip:
    width: int
    height: int
    dots: tuple[StripDot, ...]
    marks: tuple[StripMark, ...]
    mean_x: float | None
    label: str  # what a screen reader (and the tooltip) says

    @property
    def view_box(self) -> str:
        return f"0 0 {self.width} {self.height}"

    @property
    def middle(self) -> float:
        return self.height / 2

    @property
    def radius(self) -> float:
        return round(self.height / 7, 1)


def scale_max(task: TaskSpec) -> float:
    """The right edge of every strip of a task: twice the pass line (24 % for a 12 % line)."""
    return 2.0 * task.max_error_pct


def strip(
    runs: Sequence[RunMetrics],
    *,
    task: TaskSpec,
    width: int = 96,
    height: int = 16,
    pad: float = 4.0,
) -> Strip | None:
    """The strip of one task's runs, or None when no run printed an error."""
    errors = [(r.index, r.error_pct) for r in runs if r.error_pct is not None]
    if not errors:
        return None
    top = scale_max(task)
    span = width - 2 * pad

    def x_of(value: float) -> float:
        return round(pad + span * min(max(value, 0.0), top) / top, 1)

    dots = tuple(
        StripDot(
            x_of(error),
            round(height / 2 + ((n % 3) - 1) * height / 6, 1),
            error > top,
            f"run {index + 1}: {error:.2f} %",
        )
        for n, (index, error) in enumerate(errors)
    )
    marks = (
        StripMark(
            x_of(task.high_performance_error_pct),
            "hp",
            f"high performance: {task.high_performance_error_pct:g} %",
        ),
        StripMark(x_of(task.max_error_pct), "pass", f"pass line: {task.max_error_pct:g} %"),
    )
    mean = sum(e for _, e in errors) / len(errors)
    shown = ", ".join(f"{e:.2f}" for _, e in errors)
    failed = len(runs) - len(errors)
    label = (
        f"test error of {len(errors)} run(s): {shown} %"
        + (f"; {failed} run(s) gave no error" if failed else "")
        + f" (scale 0–{top:g} %)"
    )
    return Strip(width, height, dots, marks, x_of(mean), label)
