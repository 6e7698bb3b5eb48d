"""The late policy's effect on one hand-in: how late it was, against which deadline (an
extension included), and what the policy deducts.

A late hand-in is still graded in full: this only says how late it was and what the policy would
deduct, so that the report can show it and the marks can apply it. The policy itself is read
with the spec (``grader.spec.DeadlinePolicy``).
"""

from __future__ import annotations

import math
from datetime import datetime

from grader.records import Lateness, LateStatus
from grader.spec import DeadlinePolicy


def lateness(policy: DeadlinePolicy | None, *, student: str, submitted_at: str | None
             ) -> Lateness:
    """The policy's effect on a hand-in made at ``submitted_at`` (ISO 8601) by ``student``."""
    if policy is None:
        return Lateness(LateStatus.NO_DEADLINE)
    due, reason = policy.due_for(student)
    shown = due.isoformat()
    if submitted_at is None:
        return Lateness(LateStatus.UNKNOWN, shown, reason)
    when = datetime.fromisoformat(submitted_at)
    if when.tzinfo is None:
        when = when.replace(tzinfo=policy.tz)
    late_by = (when - due).total_seconds()
    if late_by <= 0:
        return Lateness(LateStatus.ON_TIME, shown, reason)
    past_grace = late_by - policy.grace.total_seconds()
    if past_grace <= 0:
        return Lateness(LateStatus.GRACE, shown, reason, late_by_s=late_by)
    days = math.ceil(past_grace / 86_400)
    deduction = min(100.0, days * policy.deduction_pct_per_day)
    status = (LateStatus.AFTER_CUTOFF
              if policy.cutoff_days is not None and past_grace > policy.cutoff_days * 86_400
              else LateStatus.LATE)
    if status is LateStatus.AFTER_CUTOFF:
        deduction = 100.0
    return Lateness(status, shown, reason, late_by_s=late_by, days_late=days,
                    deduction_pct=deduction)


def last_moment(policy: DeadlinePolicy | None, student: str) -> datetime | None:
    """The latest time a git commit of ``student`` is graded at: the deadline plus the grace
    period (None without a deadline: the head is graded)."""
    if policy is None:
        return None
    due, _ = policy.due_for(student)
    return due + policy.grace
