"""Find each provided region of the original in a submission, by tokens rather than by markers.

Students move, delete or retype the marker comments, reformat code and add comments; none of that
changes what the provided code does. So both files are tokenised (:mod:`grader.pysource.tokens`)
and each provided region's token sequence is searched for in the submission's, in order. An
exact match means the region is intact wherever it now sits. A region with no exact match is
aligned with the best matching span (``difflib.SequenceMatcher`` on tokens) to say what changed,
or is reported missing when too little of it survives.

The types here are the diff stage's own working results (the orchestrator reads the alignment for
``provided_lines``, the diff checks turn it into findings); what leaves the stage are records.
"""

from __future__ import annotations

import ast
import difflib
from dataclasses import dataclass
from functools import lru_cache

from grader.diff.verbatim import find_verbatim
from grader.pysource.tokens import LINE_END, Tokens, tokenise
from grader.records import OriginalScript, Region

#: a region whose best span matches fewer of its tokens than this share is reported as missing
MIN_SURVIVING = 0.4
#: what one submission token between two matching blocks costs, against one matched token gained;
#: under 1, so a statement inserted into a region does not split it, while stray one- or
#: two-token matches far off in the student's code never pay for the gap to reach them
GAP_COST = 0.5

Lines = tuple[int, int]  # first and last line, inclusive


@dataclass(frozen=True)
class Change:
    """One changed stretch of a provided region, on both sides (None: nothing on that side)."""

    original: Lines | None
    submission: Lines | None
    at: int  # the submission line to point at (for a deletion: the line after the gap)
    structural: bool = False  # only line ends and indentation changed (code nested or un-nested)


@dataclass(frozen=True)
class RegionMatch:
    region: Region
    status: str  # "intact", "modified" or "missing"
    lines: frozenset[int]  # submission lines whose tokens equal the region's
    changes: tuple[Change, ...] = ()
    line: int | None = None  # where the region (or its first change) is in the submission


@dataclass(frozen=True)
class Alignment:
    original: Tokens
    submission: Tokens | None  # None when every region was found verbatim (nothing to describe)
    matches: tuple[RegionMatch, ...]

    @property
    def provided_lines(self) -> frozenset[int]:
        return frozenset().union(*(m.lines for m in self.matches))


@lru_cache(maxsize=8)
def _original_tokens(original: OriginalScript) -> tuple[Tokens, tuple[tuple[int, int], ...]]:
    """The original's tokens and, per provided region, its [start, end) token slice."""
    tokens = tokenise(original.text)
    slices = []
    for region in original.provided:
        inside = [
            i for i, (first, _) in enumerate(tokens.lines) if region.start <= first <= region.end
        ]
        slices.append((inside[0], inside[-1] + 1) if inside else (0, 0))
    return tokens, tuple(slices)


#: align_provided's cache: the orchestrator, ``protected.modified`` and ``test_data.use`` ask
#: for one task file's alignment one after the other, with the same tree, so one entry catches
#: every repeat (the second spares it from a caller interleaving another file). An entry keeps
#: its syntax tree alive (thousands of objects), and each garbage collection of the older
#: generations walks every live object: 256 entries made those collections about a third of the
#: whole static stage. A miss only recomputes the same value.
ALIGNMENTS_CACHED = 2


@lru_cache(maxsize=ALIGNMENTS_CACHED)
def align_provided(
    original: OriginalScript, text: str, tree: ast.Module | None = None
) -> Alignment:
    """Locate every provided region of ``original`` in the submission ``text`` (which parses).

    ``tree`` is the submission's syntax tree, if the caller has it. Cached (see
    :data:`ALIGNMENTS_CACHED`): the orchestrator and the checks ask for the same alignment with
    the same tree.
    """
    ours, slices = _original_tokens(original)
    verbatim = find_verbatim(original, text, tree if tree is not None else ast.parse(text))
    if verbatim is not None:
        return Alignment(
            ours,
            None,
            tuple(
                RegionMatch(region, "intact", frozenset(lines), (), lines.start)
                for region, lines in zip(original.provided, verbatim, strict=True)
            ),
        )
    theirs = tokenise(text)
    found: list[int | None] = []  # pass 1: exact matches, in order
    cursor = 0
    for start, end in slices:
        at = theirs.code.find(ours.code[start:end], cursor)
        found.append(at if at >= 0 else None)
        if at >= 0:
            cursor = at + end - start
    matches: list[RegionMatch] = []  # pass 2: align the rest within the gaps the others leave
    low = 0
    for index, (region, (start, end), exact) in enumerate(
        zip(original.provided, slices, found, strict=True)
    ):
        if exact is not None:
            matches.append(_exact(region, ours, theirs, start, exact, end - start))
            low = exact + end - start
        else:
            later = [f for f in found[index + 1 :] if f is not None]
            high = later[0] if later else len(theirs.code)
            match, low = _best_span(region, ours, theirs, (start, end), (low, high))
            matches.append(match)
    return Alignment(ours, theirs, tuple(matches))


def _exact(
    region: Region, ours: Tokens, theirs: Tokens, start: int, at: int, size: int
) -> RegionMatch:
    if not size:
        return RegionMatch(region, "intact", frozenset())
    line = theirs.lines[at][0]
    if theirs.cols[at] != ours.cols[start]:  # e.g. the whole region moved under an `if`
        was = ours.lines[start][0]
        change = Change((was, was), (line, line), line, structural=True)
        return RegionMatch(region, "modified", frozenset(), (change,), line)
    return RegionMatch(
        region, "intact", frozenset(range(line, theirs.lines[at + size - 1][1] + 1)), (), line
    )


def _densest_blocks(wanted: str, window: str) -> list[difflib.Match]:
    """The run of matching blocks with the best score: matched tokens minus gap costs.

    A maximum-subarray scan, so stray common tokens (a ``(`` or a name) far away in the
    student's code do not stretch the span.
    """
    blocks = [
        b
        for b in difflib.SequenceMatcher(None, wanted, window, autojunk=False).get_matching_blocks()
        if b.size
    ]
    best: tuple[float, int, int] = (0.0, 0, -1)  # score, first block, last block
    score, first = 0.0, 0
    for i, block in enumerate(blocks):
        gap = GAP_COST * (block.b - (blocks[i - 1].b + blocks[i - 1].size)) if i else 0.0
        if score - gap <= 0:
            score, first = float(block.size), i
        else:
            score += block.size - gap
        if score > best[0]:
            best = (score, first, i)
    return blocks[best[1] : best[2] + 1]


def _best_span(
    region: Region,
    ours: Tokens,
    theirs: Tokens,
    region_slice: tuple[int, int],
    window: tuple[int, int],
) -> tuple[RegionMatch, int]:
    """Align a region that has no exact match with its best span in ``window`` of ``theirs``.

    Returns the match and where the search for the next region may start.
    """
    (start, end), (low, high) = region_slice, window
    wanted = ours.code[start:end]
    kept = _densest_blocks(wanted, theirs.code[low:high])
    if sum(b.size for b in kept) < MIN_SURVIVING * len(wanted):
        where = theirs.lines[low][0] if low < len(theirs.lines) else None
        return RegionMatch(region, "missing", frozenset(), (), where), low
    # widen the span by the region tokens left unmatched at either end, so that a changed first
    # or last statement shows as a change rather than as a deletion
    span_low = max(low, low + kept[0].b - kept[0].a)
    tail = len(wanted) - (kept[-1].a + kept[-1].size)
    span_high = min(high, low + kept[-1].b + kept[-1].size + tail)
    span = theirs.code[span_low:span_high]
    lines: set[int] = set()
    changes: list[Change] = []
    for tag, a1, a2, b1, b2 in difflib.SequenceMatcher(
        None, wanted, span, autojunk=False
    ).get_opcodes():
        if tag == "equal":
            lines |= theirs.line_span(span_low + b1, span_low + b2)
            continue
        shift = (
            _slide(wanted, a1, a2)
            if tag == "delete"
            else (_slide(span, b1, b2) if tag == "insert" else 0)
        )
        changes.append(
            _change(
                ours,
                theirs,
                start + a1 + shift,
                start + a2 + shift,
                span_low + b1 + shift,
                span_low + b2 + shift,
            )
        )
    merged = _merge(changes)
    for change in merged:
        if change.submission:
            lines -= set(range(change.submission[0], change.submission[1] + 1))
    return RegionMatch(region, "modified", frozenset(lines), tuple(merged), merged[0].at), span_high


def _slide(code: str, first: int, stop: int) -> int:
    """How far to shift a pure insertion or deletion so that it covers whole statements.

    ``a b X a b`` minus ``X a b`` is also ``a b`` minus ``a b X``: a run of tokens removed between
    repeats can sit at several places. Like ``git diff``'s slider heuristic, prefer the place that
    starts right after a line end, so "line 80 was deleted" rather than "lines 79-80 changed".
    """
    back = 0
    while first - back > 0 and code[first - back - 1] == code[stop - back - 1]:
        back += 1
    ahead = 0
    while stop + ahead < len(code) and code[first + ahead] == code[stop + ahead]:
        ahead += 1
    for shift in range(-back, ahead + 1):
        if first + shift == 0 or code[first + shift - 1] == LINE_END:
            return shift
    return 0


def _substance(tokens: Tokens, first: int, stop: int) -> list[int]:
    return [i for i in range(first, stop) if not tokens.is_structure(i)]


def _on_line(tokens: Tokens, index: int, line: int) -> bool:
    """Whether token ``index`` exists, is more than layout, and sits on ``line``."""
    return (
        0 <= index < len(tokens.code)
        and not tokens.is_structure(index)
        and tokens.lines[index][0] <= line <= tokens.lines[index][1]
    )


def _change(ours: Tokens, theirs: Tokens, a1: int, a2: int, b1: int, b2: int) -> Change:
    """The lines a token-level change touches, on both sides.

    Line ends and indentation at the edges of a change say nothing about which line changed, so
    only the other tokens count; and tokens added to (or removed from) a line that kept others,
    like ``import os`` -> ``import os as o``, name that line on the other side too.
    """
    after = theirs.lines[min(b1, len(theirs.lines) - 1)][0]
    mine, yours = _substance(ours, a1, a2), _substance(theirs, b1, b2)
    if not mine and not yours:
        was = ours.lines[min(a1, len(ours.lines) - 1)][0]
        return Change((was, was), (after, after), after, structural=True)
    original = (ours.lines[mine[0]][0], ours.lines[mine[-1]][1]) if mine else None
    submission = (theirs.lines[yours[0]][0], theirs.lines[yours[-1]][1]) if yours else None
    if original is None and submission is not None:  # an insertion: into a kept line?
        if _on_line(theirs, b1 - 1, submission[0]):
            original = (ours.lines[a1 - 1][1],) * 2
        elif _on_line(theirs, b2, submission[1]):
            original = (ours.lines[a2][0],) * 2
    elif submission is None and original is not None:  # a deletion: from a kept line?
        if _on_line(ours, a1 - 1, original[0]):
            submission = (theirs.lines[b1 - 1][1],) * 2
        elif _on_line(ours, a2, original[1]):
            submission = (theirs.lines[b2][0],) * 2
    return Change(original, submission, submission[0] if submission else after)


def _overlap(a: Lines | None, b: Lines | None) -> bool:
    return a is not None and b is not None and a[0] <= b[1] and b[0] <= a[1]


def _union(a: Lines | None, b: Lines | None) -> Lines | None:
    if a is None or b is None:
        return a or b
    return min(a[0], b[0]), max(a[1], b[1])


def _merge(changes: list[Change]) -> list[Change]:
    """Join changes that touch the same lines on either side."""
    merged: list[Change] = []
    for change in changes:
        last = merged[-1] if merged else None
        if last and (
            _overlap(last.original, change.original) or _overlap(last.submission, change.submission)
        ):
            merged[-1] = Change(
                _union(last.original, change.original),
                _union(last.submission, change.submission),
                last.at,
                last.structural and change.structural,
            )
        else:
            merged.append(change)
    return merged


def _span(lines: Lines) -> str:
    return f"line {lines[0]}" if lines[0] == lines[1] else f"lines {lines[0]}-{lines[1]}"


def describe(change: Change, alignment: Alignment) -> str:
    """A change in words, quoting the code on both sides."""
    ours, theirs = alignment.original, alignment.submission
    assert theirs is not None, "a verbatim alignment has no changes to describe"
    original, submission = change.original, change.submission
    if change.structural:
        where = f" (original {_span(original)})" if original else ""
        return f"the indentation or block structure changed at line {change.at}{where}"
    if original and submission:
        return (
            f"original {_span(original)} {ours.quote(original)} became "
            f"{_span(submission)} {theirs.quote(submission)}"
        )
    if original:
        return f"original {_span(original)} {ours.quote(original)} was deleted"
    assert submission is not None
    return f"{_span(submission)} {theirs.quote(submission)} was inserted"
