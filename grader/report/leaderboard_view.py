"""The view of the leaderboard page: per task, the ranked valid submissions and the Pareto front,
with the reference solution pinned above them for comparison (never ranked)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from grader.records import ReportMeta, SubmissionResult, TaskResult
from grader.report import formatting as fmt
from grader.report.formatting import Badge
from grader.report.leaderboard import Ranked
from grader.report.view import Cell, Column, SiteView, site_view
from grader.spec import TaskSpec


@dataclass(frozen=True)
class LeaderRow:
    id: str
    href: str
    verdict: Badge
    cells: tuple[Cell, ...]  # error, its rank, size, its rank, duration, its rank
    pareto: bool
    label: str = ""  # "reference solution" for a pinned row

    @property
    def css(self) -> str:
        return "front" if self.pareto else ""


@dataclass(frozen=True)
class LeaderTable:
    id: str
    title: str
    columns: tuple[Column, ...]
    rows: tuple[LeaderRow, ...]
    pinned: tuple[LeaderRow, ...]  # the reference solution, for comparison, not ranked
    front: tuple[tuple[str, str], ...]  # (id, href) of the Pareto front
    unranked: int  # graded submissions left out: not valid, or a measure missing


@dataclass(frozen=True)
class LeaderboardView:
    site: SiteView
    tables: tuple[LeaderTable, ...]


LEADER_COLUMNS = (
    Column("Mean error", 2, True),
    Column("Error rank", 3, True),
    Column("Size", 4, True),
    Column("Size rank", 5, True),
    Column("Duration", 6, True),
    Column("Duration rank", 7, True),
)


def leader_row(
    *,
    id: str,
    href: str,
    task_result: TaskResult,
    ranked: Ranked | None,
    label: str = "",
) -> LeaderRow:
    summary = task_result.summary

    def rank(value: int | None) -> Cell:
        return Cell(
            fmt.MISSING if value is None else str(value), "" if value is None else str(value)
        )

    return LeaderRow(
        id=id,
        href=href,
        verdict=fmt.verdict_badge(task_result.verdict),
        cells=(
            Cell(
                fmt.pct_spread(summary.mean_error_pct, summary.std_error_pct),
                fmt.number_key(summary.mean_error_pct),
            ),
            rank(ranked.error_rank if ranked else None),
            Cell(fmt.count(summary.model_size), fmt.number_key(summary.model_size)),
            rank(ranked.size_rank if ranked else None),
            Cell(fmt.seconds(summary.mean_duration_s), fmt.number_key(summary.mean_duration_s)),
            rank(ranked.time_rank if ranked else None),
        ),
        pareto=bool(ranked and ranked.pareto),
        label=label,
    )


def leaderboard_view(
    *,
    results: Sequence[SubmissionResult],
    reference: Sequence[SubmissionResult],
    meta: ReportMeta,
    tasks: Sequence[TaskSpec],
    ranked: Mapping[str, Sequence[Ranked]],
    pages: Mapping[str, str],
) -> LeaderboardView:
    tables = []
    by_id = {r.id: r for r in results}
    for task in tasks:
        order = ranked.get(task.id, ())
        rows = tuple(
            leader_row(
                id=r.entry.id,
                href=pages[r.entry.id],
                task_result=by_id[r.entry.id].tasks[task.id],
                ranked=r,
            )
            for r in order
        )
        pinned = tuple(
            leader_row(
                id=r.id,
                href=pages[r.id],
                task_result=r.tasks[task.id],
                ranked=None,
                label="reference solution",
            )
            for r in reference
            if task.id in r.tasks
        )
        graded = sum(1 for r in results if task.id in r.tasks)
        tables.append(
            LeaderTable(
                id=task.id,
                title=task.title,
                columns=LEADER_COLUMNS,
                rows=rows,
                pinned=pinned,
                front=tuple((r.entry.id, pages[r.entry.id]) for r in order if r.pareto),
                unranked=graded - len(rows),
            )
        )
    return LeaderboardView(site=site_view(meta), tables=tuple(tables))
