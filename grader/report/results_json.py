"""Build results from the store, and write ``results.json`` (schema_version 3) and ``grades.csv``.

Schema version 2 added, per submission, ``hand_in`` (the name, the VLE's identifier, the
submission time and its source, what was not graded) and ``lateness`` (the deadline that applied
and the late policy's effect). Version 3 added, per submission, ``marks`` (the mark and its
breakdown, each task's share, the interval of its mean error, borderline tasks, the overrides
that met it) and, at the top, ``marking`` (the scheme) and ``unmatched_overrides``; everything
of versions 1 and 2 is unchanged.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import asdict, replace
from pathlib import Path
from typing import Any

from grader import __version__
from grader.intake.lateness import lateness
from grader.judge.grade import grade_task
from grader.judge.summary import parse_run
from grader.marks import ClassMarks, mark_class
from grader.original.parse import parse_original
from grader.records import RunMetrics, RunOutcome, SubmissionResult
from grader.report.atomic import write_atomic
from grader.spec import Assignment
from grader.store.database import Store, StoredSubmission

SCHEMA_VERSION = 3
#: the JSON Schema (draft 2020-12) of results.json, shipped with the package for other tools
SCHEMA_PATH = Path(__file__).resolve().parent.parent / "results.schema.json"


def build_result(
    stored: StoredSubmission, *, store: Store, assignment: Assignment, runs: int | None = None
) -> SubmissionResult:
    """One stored submission, each task judged on the runs its own batch asked for, made under
    the conditions of that batch (``runs`` only for rows of an older store, which lack them;
    default: the assignment's)."""
    tasks = {}
    for task_id, entry in stored.tasks.items():
        sha, conditions = entry.file_sha256, entry.conditions
        outcomes = store.runs(task=task_id, file_sha256=sha, conditions=conditions) if sha else []
        figure = store.figure(task=task_id, file_sha256=sha, conditions=conditions) if sha else None
        tasks[task_id] = grade_task(
            assignment=assignment,
            task_id=task_id,
            static=entry.static,
            outcomes=outcomes,
            runs_expected=entry.runs_expected or runs or assignment.runs,
            figure_png=figure,
        )
        tasks[task_id] = replace(tasks[task_id], file_sha256=sha or "",
                                 extra_runs=extra_runs(assignment, task_id, outcomes,
                                                       entry.runs_expected or runs
                                                       or assignment.runs))
    policy = assignment.deadline if stored.kind == "student" else None  # the reference: none
    late = lateness(policy, student=stored.id,
                    submitted_at=stored.hand_in.submitted_at)
    return SubmissionResult(id=stored.id, source=stored.source, sha256=stored.sha256, tasks=tasks,
                            hand_in=stored.hand_in, lateness=late)


def extra_runs(assignment: Assignment, task_id: str, outcomes: Sequence[RunOutcome],
               counted: int) -> tuple[RunMetrics, ...]:
    """The stored runs beyond those the batch counts (``--borderline-runs``): parsed like any
    run so that the report can show them beside the counted ones, never judged."""
    beyond = [o for o in outcomes if o.index >= counted]
    if not beyond:
        return ()
    original = parse_original(assignment.task(task_id))
    return tuple(parse_run(o, patterns=original.output_patterns,
                           fields=assignment.output_fields)[0] for o in beyond)


def build_results(
    store: Store, *, assignment: Assignment, runs: int | None = None, kind: str = "student"
) -> list[SubmissionResult]:
    """Every stored submission of this kind, graded from what the store observed."""
    return [
        build_result(s, store=store, assignment=assignment, runs=runs)
        for s in store.submissions(kind=kind)
    ]


def results_document(
    results: Sequence[SubmissionResult],
    *,
    assignment: Assignment,
    machine: dict[str, Any],
    settings: dict[str, Any],
    marks: ClassMarks | None = None,
) -> dict[str, Any]:
    """The whole document; ``marks`` default to the assignment's scheme without overrides."""
    marks = marks or mark_class(results, assignment=assignment)
    return {
        "schema_version": SCHEMA_VERSION,
        "assignment": assignment.name,
        "grader_version": __version__,
        "machine": machine,
        "settings": settings,
        "marking": asdict(marks.scheme) if marks.scheme else None,
        "unmatched_overrides": [o.to_json() for o in marks.unmatched],
        "submissions": [{**r.to_json(), "marks": marks.students[r.id].to_json()}
                        for r in results],
    }


def write_results_json(path: Path, document: dict[str, Any]) -> None:
    write_atomic(path, json.dumps(document, indent=2) + "\n")
