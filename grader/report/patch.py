"""Unified diffs as the store keeps them: parsed, applied to the original, read as opcodes.

The static stage stores each task's diff against its original (``DiffSummary.unified``), made on
lines that all end in "\\n" (line endings are not changes). Applying it to the original gives the
submission back; its hunks, read as difflib-style opcodes, say exactly which lines changed, so
the report shows the stored diff whatever algorithm made it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from grader.pysource.lines import line_texts, split_lines

_HUNK = re.compile(r"^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@")
_NO_NEWLINE = "\\"  # "\ No newline at end of file"

Opcode = tuple[str, int, int, int, int]  # difflib's (tag, i1, i2, j1, j2), 0-based, half-open


class PatchError(ValueError):
    """The unified diff does not apply to the original it is said to be against."""


@dataclass(frozen=True)
class Hunk:
    old_start: int
    new_start: int
    header: str
    body: tuple[tuple[str, str], ...]  # (" ", "-" or "+", line with its end)


def parse_unified(unified: str) -> list[Hunk]:
    """The hunks of a unified diff; a "no newline at end of file" marker strips the line end."""
    hunks: list[Hunk] = []
    body: list[tuple[str, str]] = []
    header: re.Match[str] | None = None

    def close() -> None:
        if header is not None:
            hunks.append(
                Hunk(int(header.group(1)), int(header.group(3)), header.group(0), tuple(body))
            )

    for line in split_lines(unified):  # a line may hold a form feed or \u2028
        started = _HUNK.match(line)
        if started:
            close()
            header, body = started, []
        elif header is None:
            continue  # the "---" and "+++" file headers
        elif line.startswith(_NO_NEWLINE):
            if body:
                sign, text = body[-1]
                body[-1] = (sign, text.rstrip("\n"))
        elif line[:1] in (" ", "-", "+"):
            body.append((line[0], line[1:]))
        else:
            raise PatchError(f"not a line of a unified diff: {line[:40]!r}")
    close()
    return hunks


def lines_of(text: str) -> list[str]:
    """Lines that all end in "\\n", as the stored diffs are made (line endings are not changes)."""
    return [line + "\n" for line in line_texts(text)]


def apply_hunks(old: Sequence[str], hunks: Sequence[Hunk]) -> list[str]:
    """The lines the diff was made from: ``old`` with every hunk applied, checked as it goes."""
    out: list[str] = []
    at = 0  # lines of the original consumed so far
    for hunk in hunks:
        start = old_start(hunk)
        if start < at or start > len(old):
            raise PatchError(f"hunk {hunk.header} is out of order or past the end")
        out += old[at:start]
        at = start
        for sign, text in hunk.body:
            if sign in (" ", "-"):
                if at >= len(old) or old[at].rstrip("\n") != text.rstrip("\n"):
                    raise PatchError(f"hunk {hunk.header} does not match original line {at + 1}")
                at += 1
            if sign in (" ", "+"):
                out.append(text)
    return out + list(old[at:])


def apply_unified(original: str, unified: str) -> str:
    """The submission a stored diff was made from (with "\\n" line ends); PatchError if the diff
    does not apply to ``original``."""
    return "".join(apply_hunks(lines_of(original), parse_unified(unified)))


def old_start(hunk: Hunk) -> int:
    """How many original lines precede the hunk (a hunk that removes nothing starts after its
    line number, one that does starts at it)."""
    return max(hunk.old_start - 1, 0) if any(s != "+" for s, _ in hunk.body) else hunk.old_start


def new_start(hunk: Hunk) -> int:
    return max(hunk.new_start - 1, 0) if any(s != "-" for s, _ in hunk.body) else hunk.new_start


def hunk_opcodes(hunk: Hunk) -> list[Opcode]:
    """The hunk as opcodes over whole files: runs of kept, removed and added lines."""
    a, b = old_start(hunk), new_start(hunk)
    single: list[Opcode] = []
    for sign, _ in hunk.body:
        tag = {" ": "equal", "-": "delete", "+": "insert"}[sign]
        step = (a, a + (sign != "+"), b, b + (sign != "-"))
        single.append((tag, *step))
        a, b = step[1], step[3]
    return joined(single)


def opcodes_of(hunks: Sequence[Hunk], old_length: int) -> list[Opcode]:
    """The whole file's opcodes: the hunks, and the unchanged stretches around them."""
    opcodes: list[Opcode] = []
    a = b = 0
    for hunk in hunks:
        start = old_start(hunk)
        if start > a:
            opcodes.append(("equal", a, start, b, b + start - a))
        b += start - a
        for opcode in hunk_opcodes(hunk):
            opcodes.append(opcode)
            a, b = opcode[2], opcode[4]
    if a < old_length:
        opcodes.append(("equal", a, old_length, b, b + old_length - a))
    return joined(opcodes)


def joined(opcodes: list[Opcode]) -> list[Opcode]:
    """Single-line opcodes of a hunk merged into runs; a deletion then an insertion, a replace."""
    merged: list[Opcode] = []
    for tag, i1, i2, j1, j2 in opcodes:
        if merged:
            last = merged[-1]
            same = last[0] == tag or (last[0] in ("delete", "replace") and tag == "insert")
            if same and last[2] == i1 and last[4] == j1:
                new_tag = last[0] if last[0] == tag else "replace"
                merged[-1] = (new_tag, last[1], i2, last[3], j2)
                continue
        merged.append((tag, i1, i2, j1, j2))
    return merged
