"""The sources the review compares a class with: the reference solution and known solutions
(earlier years' classes, any folder of solutions: ``--compare-with DIR``)."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from pathlib import Path

from grader.intake.discover import discover
from grader.records import Submission
from grader.review.own_code import Source
from grader.review.stage import REFERENCE
from grader.spec import Assignment


def student_sources(submissions: Sequence[Submission]) -> list[Source]:
    """Every readable task file of ``submissions``, as a student's source."""
    return [Source(s.id, "student", task, f.text, f.sha256)
            for s in submissions for task, f in s.files.items() if f.text is not None]


def reference_sources(assignment: Assignment) -> list[Source]:
    """The reference solution of each task (none for a task whose solution cannot be read)."""
    found = []
    for task in assignment.tasks:
        try:
            data = Path(task.solution).read_bytes()
            text = data.decode("utf-8")
        except (OSError, UnicodeError):
            continue
        found.append(Source(REFERENCE, "reference", task.id, text,
                            hashlib.sha256(data).hexdigest()))
    return found


def known_sources(paths: Sequence[Path], *, assignment: Assignment) -> list[Source]:
    """Every readable task file under ``paths``, labelled ``folder/id`` (IntakeError for a bad
    path, as for a class)."""
    found = []
    for path in paths:
        for submission in discover([path], assignment=assignment):
            label = f"{Path(path).name}/{submission.id}"
            found += [Source(label, "known", task, f.text, f.sha256)
                      for task, f in submission.files.items() if f.text is not None]
    return found
