"""Diff checks: compare a submission with its provided original. Add a check: a class and a line.

They run before the static checks, in this order, on every task file that parses.
"""

from __future__ import annotations

from grader.checks.base import StaticCheck
from grader.checks.diff.excessive import DiffExcessive
from grader.checks.diff.flags import FlagsNotFalse
from grader.checks.diff.protected import ProtectedModified

DIFF_CHECKS: list[StaticCheck] = [
    ProtectedModified(),
    FlagsNotFalse(),
    DiffExcessive(),
]
