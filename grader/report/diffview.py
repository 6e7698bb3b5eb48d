"""A submission's changes against its provided original, line by line, as the report shows them.

The store keeps each task's unified diff (``DiffSummary.unified``), not the file. Applied to the
original, that diff gives the submission back, so the report can show the *whole* file: long
unchanged stretches folded, every line a finding names reachable by its anchor, and the provided
regions located by the same token alignment as the ``protected.modified`` check
(``grader.diff.align``), so the lines highlighted as violations are exactly the ones the check
reported. If the diff no longer applies (the original was edited after grading), only the stored
hunks are shown and a change counts as a violation when it touches code inside a provided region.
"""

from __future__ import annotations

import ast
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from grader.diff.align import align_provided
from grader.records import OriginalScript, Region
from grader.report.patch import (
    Opcode,
    PatchError,
    apply_hunks,
    hunk_opcodes,
    lines_of,
    new_start,
    old_start,
    opcodes_of,
    parse_unified,
)

log = logging.getLogger(__name__)


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
        return " ".join(
            ["line", self.kind] + ["provided"] * self.provided + ["violation"] * self.violation
        )


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
    opcodes = opcodes_of(hunks, len(old))
    touched = _touches_provided(opcodes, original.provided)
    lines = _lines(
        opcodes,
        _numbered(old),
        _numbered(new),
        regions=original.provided,
        marks=_alignment_marks(original, "".join(new)) if touched else _Marks(),
        prefix=anchor_prefix,
    )
    blocks = _fold(lines, keep=keep, context=context, fold_at=fold_at)
    return _view(blocks, complete=True)


def _numbered(lines: Sequence[str]) -> dict[int, str]:
    return {number: line for number, line in enumerate(lines, start=1)}


def _alignment_marks(original: OriginalScript, text: str) -> _Marks:
    """Violation and provided lines from the token alignment, as ``protected.modified`` sees them.

    A file that does not parse cannot be aligned, and a pathological one may defeat the
    alignment: either way the lines are judged by their position instead (the static stage has
    already reported why), and the page is still written.
    """
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return _Marks(by_position=True)
    try:
        alignment = align_provided(original, text, tree)
    except Exception:  # a bug or a pathological file: fall back, never lose the page
        log.warning("cannot align a submission with %s", original.path, exc_info=True)
        return _Marks(by_position=True)
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


def _touches_provided(opcodes: Sequence[Opcode], regions: Sequence[Region]) -> bool:
    """Whether any change removes a provided line or adds lines inside a provided region.

    Only then can a provided region have changed, so only then is the (costly) token alignment
    worth making; most submissions leave the provided regions alone.
    """
    return any(
        tag != "equal" and _gap_is_provided(i1, i2, regions) for tag, i1, i2, _, _ in opcodes
    )


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
    opcodes: Sequence[Opcode],
    old: Mapping[int, str],
    new: Mapping[int, str],
    *,
    regions: Sequence[Region],
    marks: _Marks,
    prefix: str,
) -> list[DiffLine]:
    out: list[DiffLine] = []
    for tag, i1, i2, j1, j2 in opcodes:
        if tag == "equal":
            for a, b in zip(range(i1 + 1, i2 + 1), range(j1 + 1, j2 + 1), strict=True):
                out.append(
                    DiffLine(
                        "context",
                        a,
                        b,
                        _plain(old[a]),
                        _in_regions(a, regions),
                        False,
                        f"{prefix}-L{b}",
                    )
                )
            continue
        for a in range(i1 + 1, i2 + 1):
            provided = _in_regions(a, regions)
            violation = a in marks.violation_old or (
                marks.by_position and provided and _is_code(old[a])
            )
            out.append(DiffLine("removed", a, None, _plain(old[a]), provided, violation, ""))
        gap_provided = _gap_is_provided(i1, i2, regions)
        for b in range(j1 + 1, j2 + 1):
            violation = b in marks.violation_new or (
                marks.by_position and gap_provided and _is_code(new[b])
            )
            provided = gap_provided or violation or b in marks.provided_new
            out.append(
                DiffLine("added", None, b, _plain(new[b]), provided, violation, f"{prefix}-L{b}")
            )
    return out


def _plain(line: str) -> str:
    return line.rstrip("\r\n")


def _fold(
    lines: list[DiffLine], *, keep: frozenset[int], context: int, fold_at: int
) -> list[DiffBlock]:
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
            blocks.append(
                DiffBlock(tuple(run), True, f"{len(run)} unchanged lines ({first}–{last})")
            )
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
        a, b = old_start(hunk), new_start(hunk)
        for sign, text in hunk.body:
            if sign != "+":
                a += 1
                old_lines[a] = text
            if sign != "-":
                b += 1
                new_lines[b] = text
        lines = _lines(
            hunk_opcodes(hunk),
            old_lines,
            new_lines,
            regions=original.provided,
            marks=_Marks(by_position=True),
            prefix=prefix,
        )
        blocks.append(DiffBlock(tuple(lines), False, hunk.header))
    return _view(blocks, complete=False)


def _view(blocks: list[DiffBlock], *, complete: bool) -> DiffView:
    lines = [line for block in blocks for line in block.lines]
    return DiffView(
        blocks=tuple(blocks),
        anchors=frozenset(line.new for line in lines if line.new is not None),
        violations=sum(1 for line in lines if line.violation),
        complete=complete,
    )
