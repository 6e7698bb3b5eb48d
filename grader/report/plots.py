"""The class plots, drawn by matplotlib as SVG text to embed in the page (no files, no fonts).

Per task: a histogram of the class's mean test errors with the pass and high-performance lines,
and the error against model size and against mean duration, the reference solution marked. Only
the object-oriented API is used (``Figure`` with the SVG canvas, never ``pyplot``), so no GUI
backend, global figure state or display is involved. SVGs stay small: text is kept as text
(``svg.fonttype = none``), points are few (one per student), and metadata dates are dropped so
the same data always give the same bytes.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Any

import matplotlib

matplotlib.use("Agg")  # must come before anything imports pyplot; the report never shows a window

from markupsafe import Markup
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import EngFormatter, MaxNLocator

from grader.records import Verdict
from grader.report.formatting import verdict_badge
from grader.report.strips import scale_max
from grader.spec import TaskSpec

#: the badge colours of report.css, so a plot's dots match the table's badges
COLOURS: dict[Verdict, str] = {
    Verdict.HIGH_PERFORMANCE: "#1e7b34",
    Verdict.VALID: "#4e7d1e",
    Verdict.INCOMPLETE: "#f29900",
    Verdict.INVALID: "#d93025",
    Verdict.MISSING: "#9aa0a6",
}
REFERENCE_COLOUR = "#1a4fa0"
#: each verdict's mark has a shape of its own and each histogram bar a hatch, so the plots read
#: without colour (WCAG 1.4.1); a mark beyond the scale is drawn hollow at the edge
SHAPES: dict[Verdict, str] = {
    Verdict.HIGH_PERFORMANCE: "o",
    Verdict.VALID: "s",
    Verdict.INCOMPLETE: "D",
    Verdict.INVALID: "X",
    Verdict.MISSING: "v",
}
HATCHES: dict[Verdict, str] = {
    Verdict.HIGH_PERFORMANCE: "",
    Verdict.VALID: "/",
    Verdict.INCOMPLETE: ".",
    Verdict.INVALID: "x",
    Verdict.MISSING: "-",
}
#: a log axis once the largest value is this many times the smallest
LOG_RATIO = 30.0


@dataclass(frozen=True)
class Point:
    """One submission's numbers for one task (the mean error is required to be plotted)."""

    error_pct: float
    model_size: int | None
    duration_s: float | None
    verdict: Verdict


@dataclass(frozen=True)
class Plot:
    key: str  # "histogram", "size" or "duration"
    title: str
    svg: Markup  # generated here from numbers only: no student text ever reaches it
    caption: str


def task_plots(
    *, task: TaskSpec, points: Sequence[Point], reference: Sequence[Point]
) -> tuple[Plot, ...]:
    """The three plots of one task."""
    top = scale_max(task)
    off = sum(1 for p in points if p.error_pct > top)
    edge = f"; {off} beyond {top:g} % are drawn at the edge" if off else ""
    star = (" The star is the reference solution" if reference else
            " No reference solution graded into this folder (`grader reference` adds it)")
    return (
        Plot(
            "histogram",
            "Mean test error across the class",
            _histogram(task, points, reference, top),
            f"{len(points)} submission(s) with a mean error{edge}. Dashed: the pass line "
            f"({task.max_error_pct:g} %) and the high-performance line "
            f"({task.high_performance_error_pct:g} %).",
        ),
        Plot(
            "size",
            "Error against model size",
            _scatter(task, points, reference, top, measure="size"),
            f"Dotted: the parameter limit ({task.max_params:,}).{star}{edge}.",
        ),
        Plot(
            "duration",
            "Error against mean duration",
            _scatter(task, points, reference, top, measure="duration"),
            f"Dotted: the time limit ({task.max_mean_duration_s:g} s).{star}{edge}.",
        ),
    )


def _style() -> AbstractContextManager[None]:
    """The plots' look, set for the duration of one figure only (no global state changes)."""
    return matplotlib.rc_context(
        {
            "svg.fonttype": "none",  # text stays text: no glyph paths, no font files
            "font.family": "sans-serif",
            "font.size": 9.0,
            "axes.spines.top": False,
            "axes.spines.right": False,
            "legend.fontsize": 8.0,
            "legend.frameon": False,
        }
    )


def _svg(figure: Figure, salt: str) -> Markup:
    out = io.StringIO()
    with matplotlib.rc_context({"svg.hashsalt": salt}):
        figure.savefig(out, format="svg", metadata={"Date": None})
    text = out.getvalue()
    return Markup(text[text.index("<svg") :])  # inline: no XML declaration or doctype


def _figure() -> tuple[Figure, Axes]:
    figure = Figure(figsize=(4.6, 3.5), layout="constrained")
    return figure, figure.add_subplot()


def _lines(axes: Axes, task: TaskSpec, *, vertical: bool) -> None:
    draw = axes.axvline if vertical else axes.axhline
    draw(
        task.max_error_pct,
        color=COLOURS[Verdict.INVALID],
        linestyle="--",
        linewidth=1,
        label=f"pass line {task.max_error_pct:g} %",
    )
    draw(
        task.high_performance_error_pct,
        color=COLOURS[Verdict.HIGH_PERFORMANCE],
        linestyle="--",
        linewidth=1,
        label=f"high performance {task.high_performance_error_pct:g} %",
    )


def _histogram(
    task: TaskSpec, points: Sequence[Point], reference: Sequence[Point], top: float
) -> Markup:
    with _style():
        figure, axes = _figure()
        bins = [top * i / 24 for i in range(25)]
        verdicts = [v for v in COLOURS if any(p.verdict is v for p in points)]
        stacks = [
            [min(p.error_pct, top * 0.999) for p in points if p.verdict is v] for v in verdicts
        ]
        if stacks:
            _, _, bars = axes.hist(
                stacks,
                bins=bins,
                stacked=True,
                color=[COLOURS[v] for v in verdicts],
                label=[verdict_badge(v).label for v in verdicts],
                edgecolor="white",
                linewidth=0.5,
            )
            # one dataset gives one container of bars, several a list of them
            containers: list[Any] = [bars] if len(verdicts) == 1 else list(bars)  # type: ignore[arg-type]
            for verdict, patches in zip(verdicts, containers, strict=True):
                for patch in patches:
                    patch.set_hatch(HATCHES[verdict])
        _lines(axes, task, vertical=True)
        for ref in reference:
            axes.axvline(
                min(ref.error_pct, top), color=REFERENCE_COLOUR, linewidth=1.5, label="reference"
            )
        axes.set_xlim(0, top)
        axes.set_xlabel("mean test error (%)")
        axes.set_ylabel("submissions")
        axes.yaxis.set_major_locator(MaxNLocator(integer=True))
        _legend(figure, axes)
        return _svg(figure, f"{task.id}-histogram")


def _scatter(
    task: TaskSpec, points: Sequence[Point], reference: Sequence[Point], top: float, *, measure: str
) -> Markup:
    def x_of(p: Point) -> float | None:
        value = p.model_size if measure == "size" else p.duration_s
        return None if value is None or value <= 0 else float(value)

    limit = float(task.max_params) if measure == "size" else task.max_mean_duration_s
    with _style():
        figure, axes = _figure()
        xs = [x for p in [*points, *reference] if (x := x_of(p)) is not None]
        for verdict, colour in COLOURS.items():
            for clipped in (False, True):
                chosen = [
                    (x, min(p.error_pct, top))
                    for p in points
                    if p.verdict is verdict
                    and (p.error_pct > top) == clipped
                    and (x := x_of(p)) is not None
                ]
                if chosen:
                    axes.scatter(
                        [x for x, _ in chosen],
                        [y for _, y in chosen],
                        s=26,
                        facecolors="none" if clipped else colour,
                        edgecolors=colour,
                        marker=SHAPES[verdict],
                        alpha=0.9,
                        linewidths=1.2 if clipped else 0,
                        label=None if clipped else verdict_badge(verdict).label,
                    )
        refs = [(x, min(p.error_pct, top)) for p in reference if (x := x_of(p)) is not None]
        if refs:
            axes.scatter(
                [x for x, _ in refs],
                [y for _, y in refs],
                s=110,
                marker="*",
                color=REFERENCE_COLOUR,
                edgecolors="white",
                linewidths=0.6,
                label="reference",
                zorder=3,
            )
        _lines(axes, task, vertical=False)
        axes.axvline(limit, color="#5f6368", linestyle=":", linewidth=1)
        if xs and max(xs + [limit]) / min(xs) >= LOG_RATIO:
            axes.set_xscale("log")
        axes.set_ylim(0, top * 1.04)
        axes.set_xlabel("model size (parameters)" if measure == "size" else "mean duration (s)")
        axes.set_ylabel("mean test error (%)")
        if measure == "size":  # 20k, 1M rather than 2e4 or an offset
            axes.xaxis.set_major_formatter(EngFormatter(sep=""))
        _legend(figure, axes)
        return _svg(figure, f"{task.id}-{measure}")


def _legend(figure: Figure, axes: Axes) -> None:
    """One legend under the axes, where it never hides a point or a line."""
    handles, labels = axes.get_legend_handles_labels()
    if handles:
        figure.legend(
            handles,
            labels,
            loc="outside lower center",
            ncols=min(len(labels), 3),
            handlelength=1.2,
            columnspacing=1.0,
        )
