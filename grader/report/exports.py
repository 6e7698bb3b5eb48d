"""``grades.csv``: one row per student, ready to import into a VLE gradebook.

Column layout (UTF-8, comma-separated, a header row, one row per student in the order graded):

=================================  ===============================================================
column                             holds
=================================  ===============================================================
``id``                             the student id (the submission folder or archive name); first,
                                   so a gradebook can match rows to students
``<task>_verdict``                 ``high_performance``, ``valid``, ``invalid``, ``missing`` or
                                   ``incomplete`` (empty: the task was not graded in this batch)
``<task>_mean_error_pct``          mean test error over the runs that finished, in percent, two
                                   decimals (empty when no run printed an error)
``<task>_std_error_pct``           sample standard deviation of those errors, two decimals
``<task>_model_size``              parameters of the trained model (an integer)
``<task>_mean_duration_s``         mean duration the script printed, in seconds, one decimal
``<task>_violations``              the violated check ids, joined by ``;`` (see the design's check
                                   ids; empty when there is none)
=================================  ===============================================================

The six task columns repeat for each task, in the assignment's order (``task1_verdict`` ...,
``task2_verdict`` ...). Numbers use a dot as the decimal mark and no thousands separator, so every
spreadsheet and VLE reads them as numbers. Ids are written exactly as found, so that the gradebook
can match them; an id that starts with ``=``, ``+``, ``-`` or ``@`` would be read as a formula by a
spreadsheet, so import the file rather than open it in one. ``results.json`` holds everything else.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from pathlib import Path

from grader.records import Severity, SubmissionResult, TaskResult
from grader.report.files import write_text

TASK_FIELDS = (
    "verdict",
    "mean_error_pct",
    "std_error_pct",
    "model_size",
    "mean_duration_s",
    "violations",
)


def grades_header(tasks: Sequence[str]) -> list[str]:
    return ["id"] + [f"{task}_{field}" for task in tasks for field in TASK_FIELDS]


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


def grades_rows(results: Sequence[SubmissionResult], *, tasks: Sequence[str]) -> list[list[str]]:
    """The header and one row per student: the table ``grades.csv`` holds."""
    rows = [grades_header(tasks)]
    for result in results:
        rows.append([result.id] + [c for t in tasks for c in task_columns(result.tasks.get(t))])
    return rows


def write_grades_csv(
    results: Sequence[SubmissionResult], path: Path, *, tasks: Sequence[str]
) -> Path:
    """Write ``grades.csv`` atomically (a gradebook import never sees half a file)."""
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerows(grades_rows(results, tasks=tasks))
    write_text(Path(path), buffer.getvalue())
    return Path(path)
