"""The review stage inside ``grader check``: similarity warnings join the static results, and
the readability notes are handed back for the printout."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from pathlib import Path

from grader.records import StaticResult, Submission
from grader.review.known import known_sources, reference_sources, student_sources
from grader.review.stage import ClassReview, review_class, similarity_findings
from grader.spec import Assignment

Checked = list[tuple[Submission, dict[str, StaticResult]]]


def review_checked(checked: Sequence[tuple[Submission, dict[str, StaticResult]]], *,
                   assignment: Assignment,
                   compare_with: Sequence[Path] = ()) -> tuple[Checked, ClassReview]:
    """``checked`` with each task's ``similarity`` warnings, and the review itself."""
    sources = [*student_sources([s for s, _ in checked]), *reference_sources(assignment),
               *known_sources(list(compare_with), assignment=assignment)]
    review = review_class(sources, assignment=assignment)
    out: Checked = []
    for submission, results in checked:
        updated = {}
        for task_id, result in results.items():
            extra = similarity_findings(review, owner=submission.id, task=task_id,
                                        file=assignment.task(task_id).file)
            updated[task_id] = (dataclasses.replace(result, findings=(*result.findings, *extra))
                                if extra else result)
        out.append((submission, updated))
    return out, review
