"""``diff.excessive``: the file changed far beyond what the task needs."""

from __future__ import annotations

from collections.abc import Iterable

from grader.checks.base import StaticCheck, TaskContext
from grader.diff.churn import measure_churn
from grader.ids import CheckId
from grader.records import Finding


class DiffExcessive(StaticCheck):
    """Too many code lines changed outside the student regions, or far too many inside them.

    Calibration (code lines added plus removed; blank and comment-only lines do not count):

    - the reference solutions, complete and commented: ``task1.py`` (a CNN with augmentation and a
      learning-rate schedule) changes 45 lines in the student regions, ``task2.py`` (a
      bidirectional GRU) 35; neither changes a line outside.
    - the example class in ``submissions/`` (15 task files, honest and cheating alike): 8 to 26
      lines inside, at most 2 outside (a flag set to True, a changed error computation).
    - Typical harmless edits outside: moving the imports to the top (1-3 lines), a name in the
      docstring (1-2 lines).
    - So a student may change up to ``student_budget`` lines inside the regions, over three times
      the reference solution (room for a validation split, callbacks, helper functions and a
      verbose style), and ``outside_allowance`` lines elsewhere, before the marker is warned.
      Lines inside the regions beyond the budget count as outside lines.
    """

    id = CheckId.DIFF_EXCESSIVE
    student_budget = 150
    outside_allowance = 10

    def check(self, ctx: TaskContext) -> Iterable[Finding]:
        churn = measure_churn(ctx.original, ctx.file.text or "")
        excess = churn.outside + max(0, churn.student - self.student_budget)
        if excess > self.outside_allowance:
            yield self.finding(
                f"{churn.outside} code line(s) changed outside the student regions and "
                f"{churn.student} inside them (allowed: {self.outside_allowance} outside, "
                f"{self.student_budget} inside): the change goes far beyond what the task needs",
                file=ctx.file.name,
            )
