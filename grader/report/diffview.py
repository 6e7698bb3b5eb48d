"""A submission's changes against its provided original, line by line, as the report shows them.

The store keeps each task's unified diff (``DiffSummary.unified``), not the file. Applied to the
original, that diff gives the submission back, so the report can show the *whole* file: long
unchanged stretches folded, every line a finding names reachable by its anchor, and the provided
regions located by the same token alignment as the ``protected.modified`` check
(``grader.diffing``), so the lines highlighted as violations are exactly the ones the check
reported. If the diff no longer applies (the original was edited after grading), only the stored
hunks are shown and a change counts as a violation when it touches code inside a provided region.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from grader.diffing import align_provided
from grader.records import OriginalScript, Region

_HUNK = re.compile(r"^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@")
_NO_NEWLINE = "\\"  # "\ No newline at end of file"

Opcode = tuple[str, int, int, int, int]  # difflib's (tag, i1, i2, j1, j2), 0-based, half-open


class PatchError(ValueError):
    """The unified diff does not apply to the original it is said to be against."""


@dataclass(frozen=True)
class DiffLine:
    kind: str  # "context", "added" or "removed"
    old: int | None  # line number in the original
    new: int | None  # line number in the submission
    text: str  # without its line end
    provided: bool  # inside a provided region the student must not change
    violation: bool  # a change to the code of a provided region
    anchor: str  # the element id of a submission line ("task1-L42"), "" for removed lines

    @property
    def old_label(self) -> str:
        return "" if self.old is None else str(self.old)

    @property
    def new_label(self) -> str:
        return "" if self.new is None else str(self.new)

    @property
    def sign(self) -> str:
        return {"added": "+", "removed": "−"}.get(self.kind, " ")

    @property
    def css(self) -> str:
        return " ".join(["line", self.kind] + ["provided"] * self.provided
                        + ["violation"] * self.violation)


@dataclass(frozen=True)
class DiffBlock:
    lines: tuple[DiffLine, ...]
    folded: bool  # an unchanged stretch, shown collapsed
    label: str  # what a folded block or a hunk holds, e.g. "41 unchanged lines (12–52)"


@dataclass(frozen=True)
class DiffView:
    blocks: tuple[DiffBlock, ...]
    anchors: frozenset[int]  # submission lines that can be linked to
    violations: int  # lines highlighted as violations
    complete: bool  # True: the whole file is shown; False: only the stored hunks

    @property
    def changed(self) -> bool:
        return any(line.kind != "context" for block in self.blocks for line in block.lines)


@dataclass(frozen=True)
class _Marks:
    """What the alignment says about the submission (empty in the hunks-only fallback)."""

    violation_old: frozenset[int] = frozenset()
    violation_new: frozenset[int] = frozenset()
    provided_new: frozenset[int] = frozenset()
    by_position: bool = False  # fallback: a code change inside a provided region is a violation


@dataclass(frozen=True)
class _Hunk:
    old_start: int
    new_start: int
    header: str
    body: tuple[tuple[str, str], ...]  # (" ", "-" or "+", line with its end)


def parse_unified(unified: str) -> list[_Hunk]:
    """The hunks of a unified diff; a "no newline at end of file" marker strips the line end."""
    hunks: list[_Hunk] = []
    body: list[tuple[str, str]] = []
    header: re.Match[str] | None = None

    def close() -> None:
        if header is not None:
            hunks.append(_Hunk(int(header.group(1)), int(header.group(3)), header.group(0),
                               tuple(body)))

    for line in unified.splitlines(keepends=True):
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
    return [line + "\n" for line in text.splitlines()]


def apply_hunks(old: Sequence[str], hunks: Sequence[_Hunk]) -> list[str]:
    """The lines the diff was made from: ``old`` with every hunk applied, checked as it goes."""
    out: list[str] = []
    at = 0  # lines of the original consumed so far
    for hunk in hunks:
        start = _old_start(hunk)
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


def _old_start(hunk: _Hunk) -> int:
    """How many original lines precede the hunk (a hunk that removes nothing starts after its
    line number, one that does starts at it)."""
    return max(hunk.old_start - 1, 0) if any(s != "+" for s, _ in hunk.body) else hunk.old_start


def _new_start(hunk: _Hunk) -> int:
    return max(hunk.new_start - 1, 0) if any(s != "-" for s, _ in hunk.body) else hunk.new_start


def _hunk_opcodes(hunk: _Hunk) -> list[Opcode]:
    """The hunk as opcodes over whole files: runs of kept, removed and added lines."""
    a, b = _old_start(hunk), _new_start(hunk)
    single: list[Opcode] = []
    for sign, _ in hunk.body:
        tag = {" ": "equal", "-": "delete", "+": "insert"}[sign]
        step = (a, a + (sign != "+"), b, b + (sign != "-"))
        single.append((tag, *step))
        a, b = step[1], step[3]
    return _joined(single)


def opcodes_of(hunks: Sequence[_Hunk], old_length: int) -> list[Opcode]:
    """The whole file's opcodes: the hunks, and the unchanged stretches around them."""
    opcodes: list[Opcode] = []
    a = b = 0
    for hunk in hunks:
        start = _old_start(hunk)
        if start > a:
            opcodes.append(("equal", a, start, b, b + start - a))
        b += start - a
        for opcode in _hunk_opcodes(hunk):
            opcodes.append(opcode)
            a, b = opcode[2], opcode[4]
    if a < old_length:
        opcodes.append(("equal", a, old_length, b, b + old_length - a))
    return _joined(opcodes)


def build_diff_view(
    *,
    original: OriginalScript,
    unified: str,
    anchor_prefix: str,
    keep: frozenset[int] = frozenset(),
    context: int = 3,
    fold_at: int = 6,
) -> DiffView:
    """The whole submission against ``original``, or the stored hunks when it cannot be rebuilt.

    The changes are exactly the stored diff's (whatever algorithm made it); the file around them
    is filled in from the original. ``keep`` lists submission lines never folded away (the lines
    findings point at); unchanged stretches longer than ``fold_at`` lines, ``context`` lines away
    from any change or kept line, are folded.
    """
    old = lines_of(original.text)
    try:
        hunks = parse_unified(unified)
        new = apply_hunks(old, hunks)
    except PatchError:
        return _hunks_only(original, unified, anchor_prefix)
    lines = _lines(opcodes_of(hunks, len(old)), _numbered(old), _numbered(new),
                   regions=original.provided, marks=_alignment_marks(original, "".join(new)),
                   prefix=anchor_prefix)
    blocks = _fold(lines, keep=keep, context=context, fold_at=fold_at)
    return _view(blocks, complete=True)


def _numbered(lines: Sequence[str]) -> dict[int, str]:
    return {number: line for number, line in enumerate(lines, start=1)}


def _alignment_marks(original: OriginalScript, text: str) -> _Marks:
    """Violation and provided lines from the token alignment (none if the file does not parse)."""
    try:
        ast.parse(text)
    except (SyntaxError, ValueError):
        return _Marks(by_position=True)
    alignment = align_provided(original, text)
    old: set[int] = set()
    new: set[int] = set()
    for match in alignment.matches:
        if match.status == "missing":
            old.update(range(match.region.start, match.region.end + 1))
        for change in match.changes:
            if change.original:
                old.update(range(change.original[0], change.original[1] + 1))
            if change.submission:
                new.update(range(change.submission[0], change.submission[1] + 1))
    return _Marks(frozenset(old), frozenset(new), alignment.provided_lines)


def _in_regions(line: int, regions: Sequence[Region]) -> bool:
    return any(r.start <= line <= r.end for r in regions)


def _gap_is_provided(i1: int, i2: int, regions: Sequence[Region]) -> bool:
    """Whether lines added in place of original lines (i1, i2] sit inside a provided region."""
    if i2 > i1:
        return any(_in_regions(n, regions) for n in range(i1 + 1, i2 + 1))
    return any(r.start <= i1 and i1 + 1 <= r.end for r in regions)


def _is_code(text: str) -> bool:
    stripped = text.strip()
    return bool(stripped) and not stripped.startswith("#")


def _lines(
    opcodes: Sequence[Opcode], old: Mapping[int, str], new: Mapping[int, str], *,
    regions: Sequence[Region], marks: _Marks, prefix: str,
) -> list[DiffLine]:
    out: list[DiffLine] = []
    for tag, i1, i2, j1, j2 in opcodes:
        if tag == "equal":
            for a, b in zip(range(i1 + 1, i2 + 1), range(j1 + 1, j2 + 1), strict=True):
                out.append(DiffLine("context", a, b, _plain(old[a]),
                                    _in_regions(a, regions), False, f"{prefix}-L{b}"))
            continue
        for a in range(i1 + 1, i2 + 1):
            provided = _in_regions(a, regions)
            violation = a in marks.violation_old or (
                marks.by_position and provided and _is_code(old[a]))
            out.append(DiffLine("removed", a, None, _plain(old[a]), provided, violation, ""))
        gap_provided = _gap_is_provided(i1, i2, regions)
        for b in range(j1 + 1, j2 + 1):
            violation = b in marks.violation_new or (
                marks.by_position and gap_provided and _is_code(new[b]))
            provided = gap_provided or violation or b in marks.provided_new
            out.append(DiffLine("added", None, b, _plain(new[b]), provided, violation,
                                f"{prefix}-L{b}"))
    return out


def _plain(line: str) -> str:
    return line.rstrip("\r\n")


def _fold(lines: list[DiffLine], *, keep: frozenset[int], context: int,
          fold_at: int) -> list[DiffBlock]:
    """Shown and folded blocks: unchanged lines far from changes and kept lines are folded."""
    near = [False] * len(lines)
    for i, line in enumerate(lines):
        if line.kind != "context" or line.new in keep:
            for j in range(max(0, i - context), min(len(lines), i + context + 1)):
                near[j] = True
    blocks: list[DiffBlock] = []
    run: list[DiffLine] = []
    shown: list[DiffLine] = []

    def flush_run() -> None:
        if len(run) > fold_at:
            if shown:
                blocks.append(DiffBlock(tuple(shown), False, ""))
                shown.clear()
            first, last = run[0].new, run[-1].new
            blocks.append(DiffBlock(tuple(run), True,
                                    f"{len(run)} unchanged lines ({first}–{last})"))
        else:
            shown.extend(run)
        run.clear()

    for line, is_near in zip(lines, near, strict=True):
        if is_near:
            flush_run()
            shown.append(line)
        else:
            run.append(line)
    flush_run()
    if shown:
        blocks.append(DiffBlock(tuple(shown), False, ""))
    return blocks


def _hunks_only(original: OriginalScript, unified: str, prefix: str) -> DiffView:
    """The stored hunks alone, provided regions located by their position in the original."""
    try:
        hunks = parse_unified(unified)
    except PatchError:
        hunks = []
    blocks = []
    for hunk in hunks:
        old_lines: dict[int, str] = {}
        new_lines: dict[int, str] = {}
        a, b = _old_start(hunk), _new_start(hunk)
        for sign, text in hunk.body:
            if sign != "+":
                a += 1
                old_lines[a] = text
            if sign != "-":
                b += 1
                new_lines[b] = text
        lines = _lines(_hunk_opcodes(hunk), old_lines, new_lines, regions=original.provided,
                       marks=_Marks(by_position=True), prefix=prefix)
        blocks.append(DiffBlock(tuple(lines), False, hunk.header))
    return _view(blocks, complete=False)


def _joined(opcodes: list[Opcode]) -> list[Opcode]:
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


def _view(blocks: list[DiffBlock], *, complete: bool) -> DiffView:
    lines = [line for block in blocks for line in block.lines]
    return DiffView(
        blocks=tuple(blocks),
        anchors=frozenset(line.new for line in lines if line.new is not None),
        violations=sum(1 for line in lines if line.violation),
        complete=complete,
    )
