"""The leaderboard: valid submissions ranked on error, size and time, and their Pareto front.

The assignment asks for "the fastest, smallest and best-performing program". No single order
answers that, so each measure gets its own rank, and the Pareto front names the submissions no
other valid submission beats on all three at once: the ones worth a look, whatever the weighting.
Pure functions of the records.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from grader.records import SubmissionResult, Verdict

#: only these verdicts enter the leaderboard (an invalid submission's numbers do not count)
RANKED = frozenset({Verdict.VALID, Verdict.HIGH_PERFORMANCE})


@dataclass(frozen=True)
class Entry:
    """One ranked submission of one task, lower is better on every measure."""

    id: str
    error_pct: float
    std_error_pct: float | None
    model_size: int
    duration_s: float
    verdict: Verdict


@dataclass(frozen=True)
class Ranked:
    entry: Entry
    error_rank: int
    size_rank: int
    time_rank: int
    pareto: bool


def entries(results: Sequence[SubmissionResult], *, task: str) -> list[Entry]:
    """The valid submissions of ``task`` that have all three measures, in input order."""
    found = []
    for result in results:
        task_result = result.tasks.get(task)
        if task_result is None or task_result.verdict not in RANKED:
            continue
        summary = task_result.summary
        if (
            summary.mean_error_pct is None
            or summary.model_size is None
            or summary.mean_duration_s is None
        ):
            continue
        found.append(
            Entry(
                result.id,
                summary.mean_error_pct,
                summary.std_error_pct,
                summary.model_size,
                summary.mean_duration_s,
                task_result.verdict,
            )
        )
    return found


def competition_ranks(values: Sequence[float]) -> list[int]:
    """``1 2 2 4`` ranking: ties share the best rank, and the next rank skips past them."""
    ranks = []
    for value in values:
        ranks.append(1 + sum(1 for other in values if other < value))
    return ranks


def dominates(a: Entry, b: Entry) -> bool:
    """``a`` is at least as good as ``b`` on error, size and time, and better on one of them."""
    ours, theirs = _measures(a), _measures(b)
    return all(x <= y for x, y in zip(ours, theirs, strict=True)) and ours != theirs


def pareto_front(items: Sequence[Entry]) -> set[str]:
    """Ids of the entries that no other entry dominates (quadratic: a class is a few hundred)."""
    return {a.id for a in items if not any(dominates(b, a) for b in items if b is not a)}


def rank(items: Sequence[Entry]) -> list[Ranked]:
    """Every entry with its three ranks and Pareto flag, best error first (ties: smaller,
    faster)."""
    by: dict[str, Callable[[Entry], float]] = {
        "error": lambda e: e.error_pct,
        "size": lambda e: e.model_size,
        "time": lambda e: e.duration_s,
    }
    ranks = {name: competition_ranks([key(e) for e in items]) for name, key in by.items()}
    front = pareto_front(items)
    ranked = [
        Ranked(e, ranks["error"][i], ranks["size"][i], ranks["time"][i], e.id in front)
        for i, e in enumerate(items)
    ]
    return sorted(ranked, key=lambda r: (*_measures(r.entry), r.entry.id))


def _measures(entry: Entry) -> tuple[float, float, float]:
    return entry.error_pct, float(entry.model_size), entry.duration_s
