"""The view of the review stage: the similarity page, a student's review section, the overview's
review column. Every value is prepared here; the templates place them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from grader.report.view import Cell, SiteView
from grader.review.readability import Note
from grader.review.similarity import SIMILAR_FROM, Pair
from grader.review.stage import REFERENCE, ClassReview

SIMILARITY_PAGE = "similarity.html"
#: the similarity page shows the side-by-side code of at most this many pairs (the best)
DETAILED_PAIRS = 200


@dataclass(frozen=True)
class CodeLine:
    number: int
    text: str
    css: str  # "match" for a line in a shared fragment, "" otherwise
    anchor: str = ""


@dataclass(frozen=True)
class Side:
    who: str
    href: str  # the student's page, "" for the reference or a known solution
    lines: tuple[CodeLine | None, ...]  # None: a fold of lines not shown (provided code)


@dataclass(frozen=True)
class PairRow:
    anchor: str
    task: str
    score: str
    score_sort: str
    similar: bool
    identical: bool
    left: Side
    right: Side
    fragments: str  # "12-20 ↔ 14-22, ..."
    detailed: bool


@dataclass(frozen=True)
class SimilarityView:
    site: SiteView
    rows: tuple[PairRow, ...]
    threshold: str
    students: int


@dataclass(frozen=True)
class SimilarLink:
    task: str
    other: str
    href: str  # the counterpart's page ("" for the reference or a known solution)
    pair_href: str  # the pair on the similarity page
    score: str
    identical: bool


@dataclass(frozen=True)
class NoteRow:
    line: int
    href: str
    kind: str
    message: str
    rule: str


@dataclass(frozen=True)
class TaskReview:
    task: str
    notes: tuple[NoteRow, ...]
    code: tuple[CodeLine | None, ...]


@dataclass(frozen=True)
class StudentReview:
    similar: tuple[SimilarLink, ...]
    tasks: tuple[TaskReview, ...]
    page: str  # the similarity page, from the student's page


def pair_anchor(pair: Pair) -> str:
    return f"{pair.task}-{pair.a}-{pair.b}".replace(" ", "_")


def _href(owner: str, pages: Mapping[str, str], prefix: str) -> str:
    page = pages.get(owner)
    return prefix + page if page else ""


def _label(owner: str, kind: str) -> str:
    return owner if kind in ("student", "reference") else f"{owner} (known)"


def _code(text: str, own: frozenset[int], marked: frozenset[int],
          anchor: str = "") -> tuple[CodeLine | None, ...]:
    """Own lines only (and blank lines after them), every other stretch folded to one None."""
    out: list[CodeLine | None] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if number in own or (not line.strip() and out and out[-1] is not None):
            out.append(CodeLine(number, line, "match" if number in marked else "",
                                f"{anchor}{number}" if anchor else ""))
        elif not out or out[-1] is not None:
            out.append(None)
    return tuple(out)


def _side(review: ClassReview, owner: str, kind: str, task: str, lines: frozenset[int],
          pages: Mapping[str, str], detailed: bool) -> Side:
    text = review.texts.get((owner, task), "")
    own = review.own_lines.get((owner, task), frozenset())
    return Side(_label(owner, kind), _href(owner, pages, ""),
                _code(text, own, lines) if detailed else ())


def similarity_view(review: ClassReview, *, site: SiteView, pages: Mapping[str, str],
                    students: int) -> SimilarityView:
    """The similarity page: pairs best first, the best DETAILED_PAIRS side by side."""
    rows = []
    for n, pair in enumerate(review.pairs):
        detailed = n < DETAILED_PAIRS
        a_lines = _matched(review, pair, "a")
        b_lines = _matched(review, pair, "b")
        rows.append(PairRow(
            anchor=pair_anchor(pair), task=pair.task,
            score="identical" if pair.identical else f"{pair.score:.0%}",
            score_sort=f"{pair.score + (1 if pair.identical else 0):.3f}",
            similar=pair.similar, identical=pair.identical,
            left=_side(review, pair.a, "student", pair.task, a_lines, pages, detailed),
            right=_side(review, pair.b, pair.b_kind, pair.task, b_lines, pages, detailed),
            fragments=", ".join(f"{_span(f.a)} ↔ {_span(f.b)}" for f in pair.fragments),
            detailed=detailed,
        ))
    return SimilarityView(site, tuple(rows), f"{SIMILAR_FROM:.0%}", students)


def _matched(review: ClassReview, pair: Pair, side: str) -> frozenset[int]:
    """The lines of one side to highlight: the shared fragments, every own line when the two
    files are byte-identical (the task's common code then shares no counted fingerprint)."""
    owner = pair.a if side == "a" else pair.b
    if pair.identical:
        return review.own_lines.get((owner, pair.task), frozenset())
    spans = [f.a if side == "a" else f.b for f in pair.fragments]
    return frozenset(x for first, last in spans for x in range(first, last + 1))


def _span(lines: tuple[int, int]) -> str:
    return str(lines[0]) if lines[0] == lines[1] else f"{lines[0]}-{lines[1]}"


def student_review(review: ClassReview, *, owner: str, tasks: Sequence[str],
                   pages: Mapping[str, str]) -> StudentReview:
    """A student's review section: similar hand-ins, then per task the notes and own code."""
    similar = []
    for pair in review.pairs_of(owner):
        if not pair.similar:
            continue
        other, kind = (pair.b, pair.b_kind) if pair.a == owner else (pair.a, "student")
        similar.append(SimilarLink(
            pair.task, REFERENCE if kind == "reference" else _label(other, kind),
            _href(other, pages, ""), f"../{SIMILARITY_PAGE}#{pair_anchor(pair)}",
            "identical" if pair.identical else f"{pair.score:.0%}", pair.identical))
    sections = []
    for task in tasks:
        notes = review.notes.get((owner, task), ())
        text = review.texts.get((owner, task))
        if text is None:
            continue
        anchor = f"{task}-R"
        sections.append(TaskReview(
            task, tuple(_note_row(n, anchor) for n in notes),
            _code(text, review.own_lines.get((owner, task), frozenset()),
                  frozenset(n.line for n in notes), anchor)))
    return StudentReview(tuple(similar), tuple(sections), f"../{SIMILARITY_PAGE}")


def _note_row(note: Note, anchor: str) -> NoteRow:
    return NoteRow(note.line, f"#{anchor}{note.line}", note.kind, note.message, note.rule)


def review_cell(review: ClassReview, owner: str) -> Cell:
    """The overview's review cell: the highest similarity and the number of notes."""
    pairs = review.pairs_of(owner)
    top = max(pairs, key=lambda p: (p.identical, p.score), default=None)
    notes = sum(len(v) for (o, _), v in review.notes.items() if o == owner)
    parts = []
    if top is not None and top.similar:
        other = top.b if top.a == owner else top.a
        parts.append(("identical to " if top.identical else f"{top.score:.0%} ~ ") + other)
    parts.append(f"{notes} note{'s' if notes != 1 else ''}")
    sort = f"{(top.score + top.identical) if top and top.similar else 0:.3f}"
    return Cell(" · ".join(parts), sort,
                "highest similarity to another hand-in; readability notes (advisory)")
