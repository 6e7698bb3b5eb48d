"""``protected.modified``: a provided region was changed, comments and layout aside."""

from __future__ import annotations

from collections.abc import Iterable

from grader.checks.base import StaticCheck, TaskContext
from grader.diff.align import align_provided, describe
from grader.ids import CheckId
from grader.records import Finding


class ProtectedModified(StaticCheck):
    """Each provided region must appear, token for token and in order, somewhere in the file.

    Markers may be moved or deleted and comments and blank lines added: the comparison is on
    tokens (see ``grader.diff.align``), so only a change to what the code says is reported.
    """

    id = CheckId.PROTECTED_MODIFIED
    #: how many changes a finding spells out before it says "and N more"
    shown = 3

    def check(self, ctx: TaskContext) -> Iterable[Finding]:
        alignment = align_provided(ctx.original, ctx.file.text or "", ctx.tree)
        for match in alignment.matches:
            region = match.region
            name = f'provided region "{region.title}" (original lines {region.start}-{region.end})'
            if match.status == "missing":
                yield self.finding(
                    f"the {name} is missing or rewritten beyond recognition",
                    file=ctx.file.name,
                    line=match.line,
                )
            elif match.status == "modified":
                said = [describe(change, alignment) for change in match.changes[: self.shown]]
                more = len(match.changes) - len(said)
                yield self.finding(
                    f"the {name} was changed: "
                    + "; ".join(said)
                    + (f"; and {more} more change(s)" if more > 0 else ""),
                    file=ctx.file.name,
                    line=match.line,
                )
