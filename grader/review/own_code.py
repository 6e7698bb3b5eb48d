"""What a student wrote: a hand-in's lines and statements outside the provided regions."""

from __future__ import annotations

import ast
import logging
import tokenize
from dataclasses import dataclass
from functools import lru_cache

from grader.diff.align import align_provided
from grader.records import OriginalScript
from grader.review.canonical import canonical, own_statements
from grader.review.winnow import Fingerprints, fingerprint

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Source:
    """One hand-in of one task to review: ``owner`` is a student id or a label."""

    owner: str
    kind: str  # "student", "reference" or "known" (an earlier class, a folder of solutions)
    task: str
    text: str
    sha256: str


@dataclass(frozen=True)
class OwnCode:
    """A source's own lines (not blank, outside every provided region, and not a line of the
    original left as it was) and the fingerprints of its own statements."""

    source: Source
    lines: frozenset[int]
    prints: Fingerprints


def own_code(source: Source, *, original: OriginalScript) -> OwnCode | None:
    """``source``'s own code, or None when it does not parse (the static stage says why)."""
    try:
        tree = ast.parse(source.text)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None
    try:
        alignment = align_provided(original, source.text, tree)
    except Exception:  # the diff checks report a failed alignment; here all code counts as own
        log.exception("cannot align %s's %s with its original", source.owner, source.task)
        provided: frozenset[int] = frozenset()
    else:
        provided = frozenset(
            line for m in alignment.matches if m.lines
            for line in range(min(m.lines), max(m.lines) + 1)
        )
    handed_lines = _lines(original.text)
    lines = frozenset(
        n for n, line in enumerate(source.text.splitlines(), start=1)
        if n not in provided and line.strip() and line.strip() not in handed_lines
    )
    try:
        handed_out = _statements(original.text)
        written = [s for s in own_statements(tree, provided) if ast.dump(s) not in handed_out]
        prints = fingerprint(canonical(written))
    except (RecursionError, MemoryError, ValueError, SyntaxError, tokenize.TokenError):
        # code nested deeper than the syntax-tree walks can follow: one student's problem, not
        # the class's; the hand-in is still listed, with no fingerprints to match
        log.warning("cannot fingerprint %s's %s (nested too deeply)", source.owner, source.task)
        prints = Fingerprints({}, 0)
    return OwnCode(source, lines, prints)


@lru_cache(maxsize=8)
def _lines(text: str) -> frozenset[str]:
    """The original's lines, stripped: its docstring, markers, instructions and placeholders,
    left as handed out, are not the student's own lines either."""
    return frozenset(line.strip() for line in text.splitlines())


@lru_cache(maxsize=8)
def _statements(text: str) -> frozenset[str]:
    """The original's top-level statements (the flags, placeholders left as handed out): kept
    unchanged outside the provided regions, they are nobody's own code either."""
    return frozenset(ast.dump(s) for s in ast.parse(text).body)


def boilerplate(original: OriginalScript) -> frozenset[int]:
    """Fingerprints of the whole original: what was handed out is nobody's own work."""
    tree = ast.parse(original.text)
    return fingerprint(canonical(tree.body)).hashes
