"""What the report shows of a hand-in's name, submission time and lateness.

A view of plain strings, prepared here so that the templates hold no logic. Nothing is shown for
a hand-in the grader knows nothing about (no name, no time, no deadline): reports of classes
graded without a VLE stay as they were.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from grader.records import LateStatus, SubmissionResult

#: the overview's short word for each status, and its CSS class
STATUS_TAGS = {
    LateStatus.ON_TIME: ("on time", "on-time"),
    LateStatus.GRACE: ("in grace", "grace"),
    LateStatus.LATE: ("late", "late"),
    LateStatus.AFTER_CUTOFF: ("after cut-off", "cutoff"),
    LateStatus.UNKNOWN: ("time unknown", "unknown"),
}


@dataclass(frozen=True)
class HandInView:
    name: str
    facts: tuple[tuple[str, str], ...]  # (label, value) for the student page
    not_graded: tuple[str, ...]
    tag: str  # a few words for the overview ("late · 2 d · −20 %"); "" when no deadline
    tag_class: str
    tag_title: str


def when(text: str | None) -> str:
    """An ISO 8601 time as a reader wants it: ``2026-11-27 16:58 +00:00``."""
    if not text:
        return "—"
    moment = datetime.fromisoformat(text)
    offset = moment.strftime("%z")
    zone = f" {offset[:3]}:{offset[3:]}" if offset else ""
    return moment.strftime("%Y-%m-%d %H:%M") + zone


def _duration(seconds: float) -> str:
    hours = seconds / 3600
    return f"{hours / 24:.1f} days" if hours >= 48 else f"{hours:.1f} h" if hours >= 1 else \
        f"{seconds / 60:.0f} min"


def hand_in_view(result: SubmissionResult) -> HandInView | None:
    hand_in, late = result.hand_in, result.lateness
    if not (hand_in.name or hand_in.submitted_at or hand_in.not_graded) and \
            late.status is LateStatus.NO_DEADLINE:
        return None
    facts: list[tuple[str, str]] = []
    if hand_in.name:
        facts.append(("name", hand_in.name))
    if hand_in.vle_id:
        facts.append(("VLE identifier", hand_in.vle_id))
    facts.append(("submitted", when(hand_in.submitted_at)))
    if hand_in.time_source:
        facts.append(("time from", hand_in.time_source))
    if hand_in.late_marker:
        facts.append(("VLE marker", "marked late by the VLE"))
    tag = tag_class = tag_title = ""
    if late.status is not LateStatus.NO_DEADLINE:
        facts.append(("deadline", when(late.deadline)
                      + (f" (extension: {late.extension})" if late.extension else "")))
        word, tag_class = STATUS_TAGS[late.status]
        if late.status in (LateStatus.LATE, LateStatus.AFTER_CUTOFF, LateStatus.GRACE):
            facts.append(("late by", _duration(late.late_by_s)))
        if late.status in (LateStatus.LATE, LateStatus.AFTER_CUTOFF):
            facts.append(("late policy", f"{late.days_late} started day(s) after the grace "
                          f"period: −{late.deduction_pct:g} % of the mark"
                          + (" (past the cut-off: not graded under the policy)"
                             if late.status is LateStatus.AFTER_CUTOFF else "")))
            word += f" · {late.days_late} d · −{late.deduction_pct:g} %"
        facts.append(("status", word + " (graded in full; the policy applies to the mark)"
                      if late.status is not LateStatus.ON_TIME else word))
        tag = word
        tag_title = f"deadline {when(late.deadline)}; submitted {when(hand_in.submitted_at)}" + (
            f" ({hand_in.time_source})" if hand_in.time_source else "")
    return HandInView(hand_in.name, tuple(facts), hand_in.not_graded, tag, tag_class, tag_title)
