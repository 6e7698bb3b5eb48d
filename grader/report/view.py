"""The view layer: every value the class overview and the leaderboard show, prepared in Python.

Templates only place what is built here (``report_templates/``): no formatting, sorting or
deciding happens in them. Each view is a frozen dataclass of strings, numbers and smaller views,
built by a pure function of the records, so it can be unit-tested without rendering anything.
Student pages are prepared in ``student_view``, the leaderboard in ``leaderboard_view``.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from grader.marks import ClassMarks, TaskMark
from grader.records import ReportMeta, Severity, SubmissionResult, TaskResult
from grader.report import formatting as fmt
from grader.report.formatting import Badge
from grader.report.hand_in_view import HandInView, hand_in_view
from grader.report.marks_view import Flag, mark_cell, task_flags
from grader.report.plots import Plot
from grader.report.strips import Strip, strip
from grader.spec import TaskSpec

ALL_TASKS = "*"  # the filter token that matches a verdict in any task
COLUMNS_PER_TASK = 4  # verdict, mean error, size, duration


@dataclass(frozen=True)
class SiteView:
    """What every page shows in its header and footer."""

    assignment: str
    generated: str
    grader_version: str
    warnings: tuple[str, ...]
    machine: tuple[tuple[str, str], ...]
    settings: tuple[tuple[str, str], ...]
    root: str  # the way back to the site's folder from the page: "" or "../"


@dataclass(frozen=True)
class Column:
    label: str
    index: int  # the cell's position in every row: what the sorting script reads
    numeric: bool
    title: str = ""


@dataclass(frozen=True)
class Cell:
    text: str
    sort: str  # the data-sort value; "" always sorts last
    title: str = ""


@dataclass(frozen=True)
class TaskCells:
    verdict: Badge
    verdict_sort: str
    error: Cell
    strip: Strip | None
    size: Cell
    duration: Cell
    flags: tuple[Flag, ...] = ()  # borderline, overridden, override stale


@dataclass(frozen=True)
class Violation:
    task: str
    check: str

    @property
    def label(self) -> str:
        return f"{self.task} · {self.check}"


@dataclass(frozen=True)
class OverviewRow:
    id: str
    href: str
    label: str  # "reference solution" for a pinned row, else ""
    tasks: tuple[TaskCells, ...]
    violations: tuple[Violation, ...]
    violations_sort: str
    filter_tokens: str  # "task1:valid *:valid task2:invalid *:invalid"
    hand_in: HandInView | None = None  # the name and lateness shown beside the id
    review: Cell | None = None  # similarity and readability notes (the review stage)
    mark: Cell | None = None  # when the assignment sets a marking scheme


@dataclass(frozen=True)
class VerdictCount:
    badge: Badge
    count: int
    filter: str  # the filter value that shows exactly these rows


@dataclass(frozen=True)
class TaskHeader:
    id: str
    title: str
    limits: str
    counts: tuple[VerdictCount, ...]
    columns: tuple[Column, ...]
    plots: tuple[Plot, ...]


@dataclass(frozen=True)
class FilterGroup:
    label: str
    options: tuple[tuple[str, str], ...]  # (value, label)


@dataclass(frozen=True)
class OverviewView:
    site: SiteView
    tasks: tuple[TaskHeader, ...]
    student_column: Column
    violations_column: Column
    rows: tuple[OverviewRow, ...]
    pinned: tuple[OverviewRow, ...]
    filters: tuple[FilterGroup, ...]
    review_column: Column | None = None  # when the review stage ran
    similar_pairs: int = 0  # pairs over the similarity line, for the link to their page
    mark_column: Column | None = None


def site_view(meta: ReportMeta, *, root: str = "") -> SiteView:
    return SiteView(
        assignment=meta.assignment,
        generated=fmt.timestamp(meta.generated_at),
        grader_version=meta.grader_version,
        warnings=tuple(meta.warnings),
        machine=tuple(
            (fmt.setting_label(k), fmt.setting_value(v)) for k, v in meta.machine.items()
        ),
        settings=tuple(
            (fmt.setting_label(k), fmt.setting_value(v)) for k, v in meta.settings.items()
        ),
        root=root,
    )


def task_limits(task: TaskSpec) -> str:
    return (
        f"pass ≤ {task.max_error_pct:g} % mean error · high performance ≤ "
        f"{task.high_performance_error_pct:g} % · ≤ {task.max_params:,} parameters · ≤ "
        f"{task.max_mean_duration_s:g} s mean duration · needs a {task.required_layer} layer"
    )


def violations(result: SubmissionResult, tasks: Sequence[TaskSpec]) -> tuple[Violation, ...]:
    """The distinct violated check ids per task, in the order the checks reported them."""
    found: list[Violation] = []
    for task in tasks:
        task_result = result.tasks.get(task.id)
        for finding in task_result.findings if task_result else ():
            item = Violation(task.id, finding.check)
            if finding.severity is Severity.VIOLATION and item not in found:
                found.append(item)
    return tuple(found)


def task_cells(task_result: TaskResult | None, task: TaskSpec,
               mark: TaskMark | None = None) -> TaskCells:
    if task_result is None:
        empty = Cell(fmt.MISSING, "")
        return TaskCells(
            fmt.verdict_badge(None), str(fmt.verdict_rank(None)), empty, None, empty, empty
        )
    summary = task_result.summary
    ok = sum(1 for r in task_result.runs if r.error_pct is not None)
    return TaskCells(
        verdict=fmt.verdict_badge(task_result.verdict),
        verdict_sort=str(fmt.verdict_rank(task_result.verdict)),
        error=Cell(
            fmt.pct_spread(summary.mean_error_pct, summary.std_error_pct),
            fmt.number_key(summary.mean_error_pct),
            f"mean ± sample standard deviation over {ok} run(s) with an error",
        ),
        strip=strip(task_result.runs, task=task),
        size=Cell(fmt.count(summary.model_size), fmt.number_key(summary.model_size)),
        duration=Cell(
            fmt.seconds(summary.mean_duration_s), fmt.number_key(summary.mean_duration_s)
        ),
        flags=task_flags(mark),
    )


def overview_row(
    result: SubmissionResult, *, tasks: Sequence[TaskSpec], href: str, label: str = "",
    marks: ClassMarks | None = None,
) -> OverviewRow:
    found = violations(result, tasks)
    tokens: list[str] = []
    student_marks = marks.students.get(result.id) if marks else None
    task_marks = student_marks.tasks if student_marks else {}
    for task in tasks:
        task_result = result.tasks.get(task.id)
        if task_result is not None:
            tokens += [
                f"{task.id}:{task_result.verdict.value}",
                f"{ALL_TASKS}:{task_result.verdict.value}",
            ]
        tokens += [f"{scope}:{flag.css}" for flag in task_flags(task_marks.get(task.id))
                   for scope in (task.id, ALL_TASKS)]
    return OverviewRow(
        id=result.id,
        href=href,
        label=label,
        tasks=tuple(task_cells(result.tasks.get(t.id), t, task_marks.get(t.id)) for t in tasks),
        violations=found,
        violations_sort=" ".join(v.label for v in found),
        filter_tokens=" ".join(dict.fromkeys(tokens)),
        hand_in=hand_in_view(result),
        mark=Cell(*mark_cell(marks, result.id)) if marks and marks.scheme else None,
    )


def verdict_counts(results: Sequence[SubmissionResult], task: str) -> tuple[VerdictCount, ...]:
    """How many students got each verdict in ``task`` (every verdict, zeros included)."""
    verdicts = [r.tasks[task].verdict for r in results if task in r.tasks]
    return tuple(
        VerdictCount(fmt.verdict_badge(v), verdicts.count(v), f"{task}:{v.value}")
        for v in fmt.VERDICT_ORDER
    )


def filter_groups(
    results: Sequence[SubmissionResult], tasks: Sequence[TaskSpec]
) -> tuple[FilterGroup, ...]:
    def options(task: str) -> tuple[tuple[str, str], ...]:
        found = {tr.verdict for r in results for t, tr in r.tasks.items() if task in (ALL_TASKS, t)}
        return tuple(
            (f"{task}:{v.value}", fmt.verdict_badge(v).label)
            for v in fmt.VERDICT_ORDER
            if v in found
        )

    groups = [FilterGroup("in any task", options(ALL_TASKS))]
    groups += [FilterGroup(f"in {t.id}", options(t.id)) for t in tasks]
    groups.append(FilterGroup("for a second look", tuple(
        (f"{ALL_TASKS}:{css}", label) for css, label in LOOK_AGAIN)))
    return tuple(g for g in groups if g.options)


#: the flags a filter can show: a verdict the runs' spread could have turned, an instructor's
#: decision, and a decision made on another file
LOOK_AGAIN = (("borderline", "borderline in any task"), ("overridden", "overridden in any task"),
              ("stale", "with a stale override"))


def task_columns(tasks: Sequence[TaskSpec]) -> list[tuple[Column, ...]]:
    """Per task: verdict, error, size, duration; index 0 is the student column."""
    columns: list[tuple[Column, ...]] = []
    for n, task in enumerate(tasks):
        first = 1 + COLUMNS_PER_TASK * n
        columns.append(
            (
                Column("Verdict", first, True, f"{task.id}: best first"),
                Column(
                    "Mean error ± std", first + 1, True, f"{task.id}: mean test error of the runs"
                ),
                Column("Size", first + 2, True, f"{task.id}: model parameters"),
                Column("Duration", first + 3, True, f"{task.id}: mean duration the script printed"),
            )
        )
    return columns


def overview_view(
    *,
    results: Sequence[SubmissionResult],
    reference: Sequence[SubmissionResult],
    meta: ReportMeta,
    tasks: Sequence[TaskSpec],
    pages: Mapping[str, str],
    plots: Mapping[str, tuple[Plot, ...]],
    review: Mapping[str, Cell] | None = None,
    similar_pairs: int = 0,
    marks: ClassMarks | None = None,
) -> OverviewView:
    """The class overview; ``pages`` maps each id (students and reference) to its page's path;
    ``review`` the review column's cell of each student, when the review stage ran."""
    columns = task_columns(tasks)
    rows = tuple(overview_row(r, tasks=tasks, href=pages[r.id], marks=marks) for r in results)
    if review is not None:
        rows = tuple(dataclasses.replace(r, review=review.get(r.id)) for r in rows)
    marked = marks is not None and marks.scheme is not None
    return OverviewView(
        site=site_view(meta),
        tasks=tuple(
            TaskHeader(
                t.id,
                t.title,
                task_limits(t),
                verdict_counts(results, t.id),
                cols,
                plots.get(t.id, ()),
            )
            for t, cols in zip(tasks, columns, strict=True)
        ),
        student_column=Column("Student", 0, False),
        violations_column=Column("Violated checks", 1 + COLUMNS_PER_TASK * len(tasks), False),
        rows=rows,
        pinned=tuple(
            overview_row(r, tasks=tasks, href=pages[r.id], label="reference solution",
                         marks=marks)
            for r in reference
        ),
        filters=filter_groups(results, tasks),
        review_column=None if review is None else Column(
            "Review", 2 + COLUMNS_PER_TASK * len(tasks), True,
            "highest similarity to another hand-in; readability notes (advisory)"),
        similar_pairs=similar_pairs,
        mark_column=Column("Mark", 2 + COLUMNS_PER_TASK * len(tasks) + (review is not None),
                           True, "the mark under the assignment's scheme (hover: the breakdown)")
        if marked else None,
    )
