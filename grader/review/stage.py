"""The review stage: similarity between hand-ins and readability notes, for a whole class.

Runs in ``grader check`` and when the report is built (``grader run``, ``grader report``),
never running student code. Similarity compares every pair of students of each task, and each
student with the reference solution and any known solutions (``--compare-with``); a similar pair
is a ``similarity`` warning on both students, never a violation: a human decides.
"""

from __future__ import annotations

import dataclasses
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

from grader.ids import CheckId
from grader.original.parse import parse_original
from grader.records import Finding, Severity, SubmissionResult
from grader.review.own_code import OwnCode, Source, boilerplate, own_code
from grader.review.readability import Note, readability_notes
from grader.review.similarity import Pair, Printed, compare
from grader.spec import Assignment

CHECK_ID = CheckId.SIMILARITY
REFERENCE = "reference solution"


@dataclass(frozen=True)
class ClassReview:
    """Every listed pair (best first), each student's notes, and the texts the report shows."""

    pairs: tuple[Pair, ...] = ()
    notes: dict[tuple[str, str], tuple[Note, ...]] = field(default_factory=dict)
    texts: dict[tuple[str, str], str] = field(default_factory=dict)  # (owner, task) -> source
    own_lines: dict[tuple[str, str], frozenset[int]] = field(default_factory=dict)

    def pairs_of(self, owner: str, task: str | None = None) -> list[Pair]:
        return [p for p in self.pairs
                if owner in (p.a, p.b) and (task is None or p.task == task)]


def review_class(sources: Sequence[Source], *, assignment: Assignment,
                 notes: bool = True) -> ClassReview:
    """Review ``sources`` (students, the reference, known solutions) task by task."""
    owned: dict[str, list[OwnCode]] = defaultdict(list)
    for source in sources:
        task = assignment.task(source.task)
        found = own_code(source, original=parse_original(task))
        if found is not None:
            owned[source.task].append(found)
    pairs: list[Pair] = []
    for task_id, files in owned.items():
        original = parse_original(assignment.task(task_id))
        printed = [Printed(f.source.owner, f.source.kind, f.source.sha256, f.prints)
                   for f in files]
        pairs += compare(task_id, printed, boilerplate=boilerplate(original))
    students = {(f.source.owner, t): f for t, files in owned.items() for f in files
                if f.source.kind == "student"}
    found_notes = readability_notes(
        {f"{o}\0{t}": (f.source.text, f.lines) for (o, t), f in students.items()}
    ) if notes else {}
    return ClassReview(
        pairs=tuple(sorted(pairs, key=lambda p: (-p.score, p.task, p.a, p.b))),
        notes={(o, t): tuple(found_notes.get(f"{o}\0{t}", ())) for o, t in students},
        texts={(f.source.owner, t): f.source.text for t, files in owned.items() for f in files},
        own_lines={(f.source.owner, t): f.lines for t, files in owned.items() for f in files},
    )


def similarity_findings(review: ClassReview, *, owner: str, task: str,
                        file: str) -> list[Finding]:
    """The ``similarity`` warnings of one student's task, one per similar student or known
    solution. A match with the reference solution is shown (similarity page, student page) but
    is no warning: the best answer to a small task looks like the reference by design."""
    findings = []
    for pair in review.pairs_of(owner, task):
        if not pair.similar or pair.b_kind == "reference":
            continue
        other = pair.b if pair.a == owner else pair.a
        mine = [f.a if pair.a == owner else f.b for f in pair.fragments]
        line = mine[0][0] if mine else None
        who = _who(other, pair.b_kind if other == pair.b else "student")
        if pair.identical:
            message = (f"byte-identical to {who}'s {file}: the two share their stored runs "
                       "(see the similarity page)")
        else:
            message = (f"{pair.score:.0%} of the own code's fingerprints match {who}'s "
                       "(see the similarity page; a human decides)")
        findings.append(Finding(CHECK_ID, Severity.WARNING, message, file, line))
    return findings


def _who(owner: str, kind: str) -> str:
    if kind == "reference":
        return "the " + REFERENCE
    return owner if kind == "student" else f"the known solution {owner}"


def with_similarity(results: Sequence[SubmissionResult], review: ClassReview, *,
                    assignment: Assignment) -> list[SubmissionResult]:
    """``results`` with each task's ``similarity`` warnings added (never a verdict change)."""
    out = []
    for result in results:
        tasks = {}
        for task_id, task in result.tasks.items():
            extra = similarity_findings(review, owner=result.id, task=task_id,
                                        file=assignment.task(task_id).file)
            tasks[task_id] = (dataclasses.replace(task, findings=(*task.findings, *extra))
                              if extra else task)
        out.append(dataclasses.replace(result, tasks=tasks))
    return out
