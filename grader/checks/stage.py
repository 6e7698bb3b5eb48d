"""The static stage: for each task of a submission, intake findings, then diff and static checks.

Pure and quick: nothing here runs student code or imports TensorFlow, so ``grader check`` answers
in well under a second per student. A check that raises becomes a warning naming it
(:mod:`grader.checks.apply`), and the other checks still run.
"""

from __future__ import annotations

import ast
import logging
import os
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from grader.checks.apply import apply_checks
from grader.checks.base import TaskContext
from grader.checks.diff import DIFF_CHECKS
from grader.checks.static import STATIC_CHECKS
from grader.diff.align import align_provided
from grader.diff.churn import diff_summary
from grader.ids import CheckId
from grader.intake.bulk import read_class
from grader.original.parse import parse_original
from grader.pysource.depth import MAX_DEPTH, nesting_depth
from grader.records import Finding, Severity, StaticResult, Submission
from grader.spec import Assignment, TaskSpec

log = logging.getLogger(__name__)

#: below this many submissions, checking in one process beats starting a pool
PARALLEL_FROM = 64


def check_submission(
    submission: Submission, *, assignment: Assignment, tasks: Sequence[str] | None = None
) -> dict[str, StaticResult]:
    """What the intake, diff and static stages find in each task of ``submission``.

    Intake findings tied to a task file (an unreadable ``task1.py``) go to that task; the others
    (an extra file, a broken archive) concern the whole hand-in and go to every task.
    """
    task_ids = list(tasks) if tasks else [t.id for t in assignment.tasks]
    task_files = {t.file for t in assignment.tasks}
    shared = [f for f in submission.findings if f.file not in task_files]
    results: dict[str, StaticResult] = {}
    for task_id in task_ids:
        task = assignment.task(task_id)
        own = [f for f in submission.findings if f.file == task.file]
        results[task_id] = check_task(
            submission, task=task, assignment=assignment, intake=own + shared
        )
    return results


def check_task(
    submission: Submission,
    *,
    task: TaskSpec,
    assignment: Assignment,
    intake: Sequence[Finding] = (),
) -> StaticResult:
    """One task: files.missing / files.unreadable / syntax, else every diff and static check."""
    findings = list(intake)
    file = submission.files.get(task.id)
    if file is None:
        if any(_unreadable(f, task) for f in findings):
            return StaticResult(task.id, tuple(findings), None)  # handed in, but not readable
        hint = _misnamed_hint(submission, task)
        findings.append(
            Finding(
                CheckId.FILES_MISSING,
                Severity.VIOLATION,
                f"{task.file} was not handed in{hint}",
                task.file,
            )
        )
        return StaticResult(task.id, tuple(findings), None)
    if file.text is None:
        said = (CheckId.FILES_UNREADABLE, CheckId.SOURCE_ENCODING)  # intake said why already
        if not any(f.check in said for f in findings):
            findings.append(
                Finding(
                    CheckId.FILES_UNREADABLE,
                    Severity.VIOLATION,
                    "cannot be read as UTF-8 text",
                    task.file,
                )
            )
        return StaticResult(task.id, tuple(findings), None)
    original = parse_original(task)
    diff = diff_summary(original, file.text, name=task.file)
    try:
        tree = ast.parse(file.text, filename=task.file)
    except (SyntaxError, ValueError, RecursionError, MemoryError) as exc:
        line = getattr(exc, "lineno", None)
        message = getattr(exc, "msg", None) or str(exc) or type(exc).__name__
        findings.append(
            Finding(
                CheckId.SYNTAX,
                Severity.VIOLATION,
                f"{task.file} does not parse as Python: {message}",
                task.file,
                line,
            )
        )
        return StaticResult(task.id, tuple(findings), diff)
    depth, deep_line = nesting_depth(tree)
    if depth > MAX_DEPTH:  # the checks' recursive walks would fail on it: refused, not skipped
        findings.append(
            Finding(
                CheckId.SYNTAX,
                Severity.VIOLATION,
                f"{task.file} nests {depth} levels deep (an expression inside an expression ...); "
                f"the grader checks code up to {MAX_DEPTH} levels: write it flatter",
                task.file,
                deep_line,
            )
        )
        return StaticResult(task.id, tuple(findings), diff)
    try:
        provided_lines = align_provided(original, file.text, tree).provided_lines
    except Exception:  # the protected.modified check reports the same failure as a warning
        log.exception("cannot align %s with its original", file.path)
        provided_lines = frozenset()
    ctx = TaskContext(
        assignment=assignment,
        task=task,
        file=file,
        tree=tree,
        original=original,
        provided_lines=provided_lines,
    )
    findings += apply_checks(
        ctx, [*DIFF_CHECKS, *STATIC_CHECKS], file=file.name, where=file.path
    )
    return StaticResult(task.id, tuple(findings), diff)


def _unreadable(finding: Finding, task: TaskSpec) -> bool:
    """An intake violation saying the task's file may be in what could not be read, or that
    several files could be it (handed in, but none graded)."""
    return (
        finding.check in (CheckId.FILES_UNREADABLE, CheckId.FILES_AMBIGUOUS)
        and finding.severity is Severity.VIOLATION
        and finding.file == task.file
    )


def _misnamed_hint(submission: Submission, task: TaskSpec) -> str:
    """Point at a likely misnamed copy ("Task1.py", "task1 (2).py") among the extra files."""
    stem = Path(task.file).stem.lower()
    for extra in submission.extra_files:
        if Path(extra).name.lower().startswith(stem):
            return f" (found {Path(extra).name}: the file must be named exactly {task.file})"
    return ""


def check_many(
    submissions: Sequence[Submission],
    *,
    assignment: Assignment,
    tasks: Sequence[str] | None = None,
    jobs: int = 1,
    parallel_from: int = PARALLEL_FROM,
) -> list[dict[str, StaticResult]]:
    """``check_submission`` for each submission, in order; ``jobs`` > 1 uses that many processes
    when there are at least ``parallel_from`` submissions, enough to repay starting them (a few
    milliseconds each)."""
    if jobs <= 1 or len(submissions) < parallel_from:
        return [check_submission(s, assignment=assignment, tasks=tasks) for s in submissions]
    chunk = max(1, len(submissions) // (jobs * 8))
    with ProcessPoolExecutor(max_workers=jobs) as pool:
        return list(
            pool.map(
                _check_one,
                submissions,
                [assignment] * len(submissions),
                [tasks] * len(submissions),
                chunksize=chunk,
            )
        )


def _check_one(
    submission: Submission, assignment: Assignment, tasks: Sequence[str] | None
) -> dict[str, StaticResult]:
    return check_submission(submission, assignment=assignment, tasks=tasks)


def check_paths(
    paths: Sequence[Path],
    *,
    assignment: Assignment,
    tasks: Sequence[str] | None = None,
    jobs: int | None = None,
    parallel_from: int = PARALLEL_FROM,
) -> list[tuple[Submission, dict[str, StaticResult]]]:
    """Discover every submission under ``paths`` and check it (IntakeError for a bad path)."""
    submissions = read_class(paths, assignment=assignment).submissions
    workers = jobs if jobs is not None else min(len(os.sched_getaffinity(0)), 4)
    results = check_many(
        submissions, assignment=assignment, tasks=tasks, jobs=workers, parallel_from=parallel_from
    )
    return list(zip(submissions, results, strict=True))
