"""The class plots read without colour: each verdict's marks have a shape of their own in the
scatter plots and a hatch of their own in the histogram (WCAG 1.4.1, use of colour)."""

from __future__ import annotations

import re

from grader.records import Verdict
from grader.report.plots import HATCHES, SHAPES, Point, task_plots
from grader.spec import Assignment


def marker_shapes(svg: str) -> set[str]:
    """The distinct marker outlines of a matplotlib SVG's point collections (the ticks aside)."""
    return set(re.findall(
        r'<g id="PathCollection_\d+">\s*<defs>\s*<path id="m[0-9a-f]+" d="([^"]+)"', svg))


def test_every_verdict_has_its_own_shape_and_hatch(assignment: Assignment) -> None:
    assert len(set(SHAPES.values())) == len(Verdict) and set(SHAPES) == set(Verdict)
    assert len(set(HATCHES.values())) == len(Verdict)
    points = [Point(2.0 + n, 1000 * (n + 1), 10.0 * (n + 1), v) for n, v in enumerate(Verdict)]
    plots = {p.key: str(p.svg) for p in task_plots(task=assignment.task("task1"), points=points,
                                                   reference=[])}
    assert len(marker_shapes(plots["size"])) == len(Verdict)
    assert plots["histogram"].count("<pattern") >= len(Verdict) - 1  # high performance: plain


def test_one_verdict_is_one_shape(assignment: Assignment) -> None:
    """The near miss: the shapes come from the verdicts, not from the number of points."""
    points = [Point(2.0 + n, 1000 * (n + 1), 10.0, Verdict.VALID) for n in range(4)]
    plots = {p.key: str(p.svg) for p in task_plots(task=assignment.task("task1"), points=points,
                                                   reference=[])}
    assert len(marker_shapes(plots["size"])) == 1
