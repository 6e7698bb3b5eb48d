"""What the static checks share: a base class that turns hits into findings, and API tables."""

from __future__ import annotations

import ast
from abc import abstractmethod
from collections.abc import Iterable, Iterator

from grader.checks.base import StaticCheck, TaskContext
from grader.pysource.scan import Scan
from grader.records import Finding

Hit = tuple[int, str]  # (line, what was found there, as the student wrote it)


class LineCheck(StaticCheck):
    """A static check that finds things on lines: one finding per line, none in provided code.

    Subclasses say what they look for (:meth:`hits`) and how a finding reads (:meth:`message`).
    Lines of the provided regions are skipped: the provided code opens the dataset, reads the
    test set and imports what it needs, legitimately. Several hits on one line make one finding
    that names each of them, so a report never repeats itself.
    """

    @abstractmethod
    def hits(self, ctx: TaskContext, scan: Scan) -> Iterable[Hit]: ...

    @abstractmethod
    def message(self, found: str) -> str:
        """The finding's text; ``found`` lists what was found on the line."""

    def check(self, ctx: TaskContext) -> Iterator[Finding]:
        by_line: dict[int, list[str]] = {}
        for line, what in self.hits(ctx, ctx.scan):
            if line in ctx.provided_lines:
                continue
            found = by_line.setdefault(line, [])
            if what not in found:
                found.append(what)
        for line in sorted(by_line):
            yield self.finding(
                self.message(", ".join(by_line[line])), file=ctx.file.name, line=line
            )


def code(node: ast.AST, limit: int = 60) -> str:
    """``node`` as source, shortened for a message, in backquotes."""
    text = ast.unparse(node)
    if len(text) > limit:
        text = text[: limit - 3] + "..."
    return f"`{text}`"


def called(node: ast.Call) -> str:
    """A call as a message shows it: ``np.random.seed(...)``."""
    return code(node.func, 50)[:-1] + "(...)`"


class Prefixes:
    """A set of dotted names, each matching itself and everything under it.

    ``"os.exec*"`` matches every name that starts with ``os.exec`` (``os.execv``, ``os.execlp``).
    """

    #: remembered answers per table; qualified names repeat across a batch of submissions
    MEMO_SIZE = 4096

    def __init__(self, entries: Iterable[str]) -> None:
        entries = list(entries)
        self._exact = frozenset(e for e in entries if not e.endswith("*"))
        self._starts = tuple(e[:-1] for e in entries if e.endswith("*"))
        self._memo: dict[str, str | None] = {}

    def match(self, qualname: str | None) -> str | None:
        """The entry ``qualname`` falls under, or None."""
        if qualname is None:
            return None
        try:
            return self._memo[qualname]
        except KeyError:
            pass
        if len(self._memo) >= self.MEMO_SIZE:
            self._memo.clear()
        found = self._memo[qualname] = self._match(qualname)
        return found

    def _match(self, qualname: str) -> str | None:
        prefix = ""
        for part in qualname.split("."):
            prefix = f"{prefix}.{part}" if prefix else part
            if prefix in self._exact:
                return prefix
        for start in self._starts:
            if qualname.startswith(start):
                return start + "*"
        return None

    def __contains__(self, qualname: object) -> bool:
        return isinstance(qualname, str) and self.match(qualname) is not None


def forbidden_uses(scan: Scan, forbidden: Prefixes) -> Iterator[tuple[int, str]]:
    """Where the script first reaches something under ``forbidden``: ``(line, qualified name)``.

    An import of a forbidden module is a hit. A use is a hit only when it is reached from
    something allowed (``os.system`` from ``os``, ``getattr(os, "system")``, ``exec`` from the
    builtins, ``__import__("socket")`` from nothing), so ``import subprocess`` followed by
    ``subprocess.run(...)`` is reported once, at the import, and ``f = os.system; f()`` once,
    where ``os.system`` is taken.
    """
    for site in scan.imports:
        if forbidden.match(site.qualname) is not None:
            yield site.line, site.qualname
    for qualname, references in scan.loads.items():
        if forbidden.match(qualname) is not None:
            for reference in references:
                if forbidden.match(reference.base) is None:
                    yield reference.line, qualname
