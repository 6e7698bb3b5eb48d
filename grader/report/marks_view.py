"""What the report shows of marks: the mark column, borderline and override tags, and the student
page's "Mark" section with its breakdown, intervals and overrides (stale ones said to be stale).

Plain strings prepared here, so the templates hold no logic; nothing is shown when the assignment
sets no marking scheme, except the intervals and borderline tags, which need none.
"""

from __future__ import annotations

from dataclasses import dataclass

from grader.marks import AppliedOverride, ClassMarks, StudentMarks, TaskMark
from grader.report import formatting as fmt


@dataclass(frozen=True)
class Flag:
    """A small tag beside a value: "borderline", "overridden", "override stale"."""

    text: str
    css: str
    title: str


@dataclass(frozen=True)
class OverrideView:
    task: str
    what: str  # "verdict → valid; waives diff.excessive"
    reason: str
    by: str
    at: str
    stale: bool
    note: str  # why it is stale, or ""


@dataclass(frozen=True)
class TaskMarkView:
    task: str
    mark: str  # "35 / 50"
    verdict: str  # the verdict that counts, when an override changed it, else ""
    lines: tuple[str, ...]
    interval: str  # "95 % interval 8.61-10.47 % over 5 runs", or ""
    flags: tuple[Flag, ...]
    file_sha256: str  # what an override in overrides.toml names
    more: str  # with the extra runs of a borderline task (not counted), or ""


@dataclass(frozen=True)
class MarksView:
    mark: str  # "72.5 / 100", "" when the assignment sets no scheme
    breakdown: str
    late: str
    tasks: tuple[TaskMarkView, ...]
    overrides: tuple[OverrideView, ...]


def interval_text(mark: TaskMark) -> str:
    found = mark.interval
    if found is None:
        return ""
    text = (f"{found.confidence * 100:g} % interval of the mean error: {found.low:.2f}-"
            f"{found.high:.2f} % over {found.runs} runs")
    if found.borderline:
        text += (" — the line " + ", ".join(f"{x:g} %" for x in found.thresholds)
                 + " lies inside it: borderline (the mean still decides)")
    return text


def more_text(mark: TaskMark) -> str:
    """The extra runs of a borderline task, beside the counted ones (never deciding)."""
    if mark.more is None or mark.more_mean is None:
        return ""
    extra = mark.more.runs - (mark.interval.runs if mark.interval else 0)
    return (f"with {extra} extra run(s), not counted: mean {mark.more_mean:.2f} % over "
            f"{mark.more.runs}, interval {mark.more.low:.2f}-{mark.more.high:.2f} %"
            + (" (a line still inside)" if mark.more.borderline else " (no line inside)"))


def task_flags(mark: TaskMark | None) -> tuple[Flag, ...]:
    """The tags of one task in the class table."""
    if mark is None:
        return ()
    flags = []
    if mark.borderline:
        flags.append(Flag("borderline", "borderline", interval_text(mark)))
    applied = [o for o in mark.overrides if not o.stale]
    if applied:
        who = "; ".join(f"{o.override.by}: {o.override.reason}" for o in applied)
        flags.append(Flag("overridden", "overridden",
                          f"machine: {mark.machine_verdict}; counts: {mark.verdict} ({who})"))
    if any(o.stale for o in mark.overrides):
        flags.append(Flag("override stale", "stale",
                          "an override was made on another file: it is not applied"))
    return tuple(flags)


def _what(override: AppliedOverride) -> str:
    o = override.override
    parts = []
    if o.verdict:
        parts.append(f"verdict → {o.verdict}")
    if o.share is not None:
        parts.append(f"share → {o.share:g} %")
    if o.waive:
        parts.append("waives " + ", ".join(o.waive))
    return "; ".join(parts)


def override_view(override: AppliedOverride) -> OverrideView:
    o = override.override
    note = ""
    if override.stale:
        now = override.current_sha256[:12] or "no file"
        note = (f"stale: made on {o.sha256[:12]}, the hand-in graded now is {now}; not applied "
                "(decide again, or update its sha256)")
    return OverrideView(o.task, _what(override), o.reason, o.by, o.at, override.stale, note)


def marks_view(marks: StudentMarks | None, *, scheme_set: bool) -> MarksView | None:
    """The student page's "Mark" section (None when there is nothing to show)."""
    if marks is None:
        return None
    tasks = tuple(
        TaskMarkView(
            task=t,
            mark=f"{m.mark:g} / {m.weight:g}" if scheme_set else "",
            verdict=m.verdict if m.verdict != m.machine_verdict else "",
            lines=tuple(a.text for a in m.breakdown) if scheme_set else (),
            interval=interval_text(m),
            flags=task_flags(m),
            file_sha256=m.file_sha256,
            more=more_text(m),
        )
        for t, m in marks.tasks.items()
    )
    overrides = tuple(override_view(o) for m in marks.tasks.values() for o in m.overrides)
    return MarksView(
        mark=f"{marks.mark:g} / {marks.out_of:g}" if scheme_set else "",
        breakdown=marks.breakdown if scheme_set else "",
        late=marks.late.text if marks.late and scheme_set else "",
        tasks=tasks,
        overrides=overrides,
    )


def mark_cell(marks: ClassMarks | None, student: str) -> tuple[str, str, str]:
    """The class table's mark cell: text, sort key, title (the breakdown)."""
    found = marks.students.get(student) if marks and marks.scheme else None
    if found is None:
        return fmt.MISSING, "", ""
    return f"{found.mark:g}", fmt.number_key(found.mark), found.breakdown
