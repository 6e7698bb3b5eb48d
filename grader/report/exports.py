"""``grades.csv``: one row per student, ready to import into a VLE gradebook.

The layout is documented for instructors in ``report_templates/README.md`` (a test keeps the two
in step): ``id`` first, so a gradebook can match rows to students, then per task, in the
assignment's order, ``<task>_verdict``, ``<task>_mean_error_pct``, ``<task>_std_error_pct``,
``<task>_model_size``, ``<task>_mean_duration_s`` and ``<task>_violations`` (violated check ids
joined by ``;``). A value that does not exist is an empty cell; numbers use a dot and no thousands
separator, so every spreadsheet and VLE reads them as numbers. Ids are written as found, so that
they match the gradebook's, except that a cell a spreadsheet would run as a formula gets a leading
single quote (``spreadsheet_safe``).
After the tasks come the hand-in's columns (``HAND_IN_FIELDS``): the name, the submission time and
its source, the deadline that applied, the late status, the started days late and the deduction
the late policy sets (applied where marks are computed, not here). Last, when the class was
marked (``grader.marks``, always in ``grader run`` and ``grader report``), the mark columns
(``MARK_FIELDS``): the mark, its scale, its breakdown in one line, the borderline tasks with the
interval of each, and the overrides that met the student (applied or stale).
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Sequence
from pathlib import Path

from grader.marks import ClassMarks, StudentMarks
from grader.records import LateStatus, Severity, SubmissionResult, TaskResult
from grader.report.atomic import write_atomic

TASK_FIELDS = (
    "verdict",
    "mean_error_pct",
    "std_error_pct",
    "model_size",
    "mean_duration_s",
    "violations",
)


#: what a cell must not start with, or a spreadsheet runs it as a formula: OWASP, "CSV Injection"
#: (https://owasp.org/www-community/attacks/CSV_Injection): =, +, -, @, tab, CR and LF
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\n")
#: a plain number ("-1.5") is data, not a formula: it stays a number
PLAIN_NUMBER = re.compile(r"[+-]?\d+(\.\d+)?")


def spreadsheet_safe(cell: str) -> str:
    """``cell`` with a leading single quote if a spreadsheet would run it as a formula.

    Student ids come from folder and archive names a student chose (``=1+2``, ``@SUM(1+1)``);
    the quote makes a spreadsheet show the text instead of evaluating it. Plain numbers are left
    alone so they stay numbers; the csv module quotes separators and quotes inside a cell."""
    if cell.startswith(FORMULA_TRIGGERS) and not PLAIN_NUMBER.fullmatch(cell):
        return "'" + cell
    return cell

HAND_IN_FIELDS = (
    "name",
    "submitted_at",
    "time_source",
    "deadline",
    "late_status",
    "days_late",
    "late_deduction_pct",
)


MARK_FIELDS = ("mark", "mark_out_of", "mark_breakdown", "borderline", "overrides")


def grades_header(tasks: Sequence[str], *, marked: bool = False) -> list[str]:
    return (["id"] + [f"{task}_{field}" for task in tasks for field in TASK_FIELDS]
            + list(HAND_IN_FIELDS) + (list(MARK_FIELDS) if marked else []))


def mark_columns(marks: StudentMarks | None) -> list[str]:
    """The mark, its scale and breakdown, borderline tasks (with their intervals), overrides."""
    if marks is None:
        return [""] * len(MARK_FIELDS)
    borderline = [f"{t} ({', '.join(f'{x:g} %' for x in m.interval.thresholds)} inside "
                  f"{m.interval.low:.2f}-{m.interval.high:.2f} %)"
                  for t, m in marks.tasks.items() if m.interval and m.interval.borderline]
    overrides = [f"{o.override.task}: {'STALE ' if o.stale else ''}by {o.override.by} "
                 f"({o.override.reason})" for m in marks.tasks.values() for o in m.overrides]
    return [f"{marks.mark:g}", f"{marks.out_of:g}", marks.breakdown, "; ".join(borderline),
            "; ".join(overrides)]


def hand_in_columns(result: SubmissionResult) -> list[str]:
    """The hand-in's columns; the lateness ones are empty when the assignment sets no deadline."""
    hand_in, late = result.hand_in, result.lateness
    timed = late.status is not LateStatus.NO_DEADLINE
    return [
        hand_in.name,
        hand_in.submitted_at or "",
        hand_in.time_source,
        (late.deadline or "") if timed else "",
        late.status.value if timed else "",
        str(late.days_late) if timed else "",
        f"{late.deduction_pct:g}" if timed else "",
    ]


def _number(value: float | None, digits: int) -> str:
    return "" if value is None else f"{value:.{digits}f}"


def task_columns(result: TaskResult | None) -> list[str]:
    """The six columns of one task (all empty when the task was not graded)."""
    if result is None:
        return [""] * len(TASK_FIELDS)
    summary = result.summary
    violated = dict.fromkeys(f.check for f in result.findings if f.severity is Severity.VIOLATION)
    return [
        result.verdict.value,
        _number(summary.mean_error_pct, 2),
        _number(summary.std_error_pct, 2),
        "" if summary.model_size is None else str(summary.model_size),
        _number(summary.mean_duration_s, 1),
        ";".join(violated),
    ]


def grades_rows(results: Sequence[SubmissionResult], *, tasks: Sequence[str],
                marks: ClassMarks | None = None) -> list[list[str]]:
    """The header and one row per student: the table ``grades.csv`` holds (formulas defused)."""
    rows = [grades_header(tasks, marked=marks is not None)]
    for result in results:
        rows.append([result.id] + [c for t in tasks for c in task_columns(result.tasks.get(t))]
                    + hand_in_columns(result)
                    + (mark_columns(marks.students.get(result.id)) if marks else []))
    return [[spreadsheet_safe(cell) for cell in row] for row in rows]


def write_grades_csv(
    results: Sequence[SubmissionResult], path: Path, *, tasks: Sequence[str],
    marks: ClassMarks | None = None,
) -> Path:
    """Write ``grades.csv`` atomically (a gradebook import never sees half a file)."""
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerows(
        grades_rows(results, tasks=tasks, marks=marks))
    write_atomic(Path(path), buffer.getvalue())
    return Path(path)
