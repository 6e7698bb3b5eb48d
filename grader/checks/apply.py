"""The one place that applies a list of checks to a context.

A check that raises is a bug in the grader, not in the student's work: it must not lose the
other checks' findings, nor the rest of the class. It becomes a warning naming the check, so the
task is reviewed by hand, and the traceback goes to the log.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from typing import Protocol, TypeVar

from grader.records import Finding, Severity

log = logging.getLogger(__name__)

Context = TypeVar("Context", contravariant=True)


class Check(Protocol[Context]):
    """What :func:`apply_checks` needs of a check: an id and a way to read one context."""

    @property
    def id(self) -> str: ...

    def check(self, ctx: Context) -> Iterable[Finding]: ...


def apply_checks(
    ctx: Context, checks: Sequence[Check[Context]], *, file: str | None = None, where: str = ""
) -> list[Finding]:
    """Every check's findings on ``ctx``, in order; a check that raises yields a warning instead.

    ``file`` is what the warning names as its file; ``where`` says in the log what was checked.
    """
    findings: list[Finding] = []
    for check in checks:
        try:
            findings.extend(check.check(ctx))
        except Exception as exc:  # a bug in one check must not lose the others' findings
            log.exception("check %s failed%s", check.id, f" on {where}" if where else "")
            findings.append(
                Finding(
                    check.id,
                    Severity.WARNING,
                    f"the check itself failed ({exc!r}); review by hand",
                    file,
                )
            )
    return findings
