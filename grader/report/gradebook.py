"""Marks into the VLE's own import files: the file the instructor downloaded, filled in.

Each profile reads the CSV the VLE gave, fills the grade (and, where the file has one, the
feedback comment) of every row whose identifier matches a graded student, and leaves every other
cell and row as it was: a row that matches nobody is kept and listed, never dropped, and so is a
student with no row.

- **Moodle**, the assignment's offline grading worksheet ("Download grading worksheet", with the
  "Offline grading worksheet" feedback type on). Moodle's importer finds its columns by their
  headers (``mod/assign/feedback/offline/importgradeslib.php``, github.com/moodle/moodle): the
  ``Identifier`` column (``recordid``: ``Participant 101``, matched on the number after the
  word), ``Grade`` (core's ``grade`` string), ``Last modified (grade)`` (required; kept as it
  was) and one column per enabled feedback plugin's editor field, here ``Feedback comments``.
  The grade is written on the worksheet's own scale (its ``Maximum Grade`` column).
- **Canvas**, the gradebook export ("Export Entire Gradebook"): ``Student``, ``ID``, ``SIS User
  ID``, ``SIS Login ID``, ``Section``, then one column per assignment named ``Title (id)``, and
  a ``Points Possible`` row under the header. The re-import matches students by ``ID`` (or SIS
  User ID / SIS Login ID), ignores the read-only score columns, and overwrites scores in the
  columns it is given (Canvas Instructor Guide, "How do I import grades in the Gradebook?", as
  summarised by OSU's "Import a CSV file to Carmen Grades" and VCU's "Gradebook Action Menu"
  pages). The assignment's column is filled in points (its ``Points Possible``).
- **Generic**: ``id,name,mark,out_of,feedback``, for anything else.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from grader.marks import ClassMarks, StudentMarks
from grader.records import SubmissionResult

PROFILES = ("moodle", "canvas", "csv")
MOODLE_ID, MOODLE_GRADE, MOODLE_MAX = "Identifier", "Grade", "Maximum Grade"
MOODLE_FEEDBACK, MOODLE_MODIFIED = "Feedback comments", "Last modified (grade)"
CANVAS_FIXED = ("Student", "ID", "SIS User ID", "SIS Login ID", "Section")
CANVAS_KEYS = ("ID", "SIS User ID", "SIS Login ID")
#: Canvas's computed columns (read-only on import): never the assignment's
CANVAS_READ_ONLY = re.compile(r"(Current|Final|Unposted) (Score|Points|Grade)|Override|"
                              r"\bTotal\b|Integration ID|Root Account", re.IGNORECASE)
_NUMBER = re.compile(r"(\d+)\s*$")


class GradebookError(ValueError):
    """The file is not the VLE export the profile fills (one line for the CLI)."""


@dataclass(frozen=True)
class Filled:
    text: str  # the filled file
    filled: tuple[str, ...]  # student ids written
    rows_unmatched: tuple[str, ...]  # the file's rows that match no graded student (kept)
    students_unmatched: tuple[str, ...]  # graded students with no row in the file


def feedback_comment(marks: StudentMarks) -> str:
    """The comment a gradebook carries: the mark and why, borderline tasks named."""
    text = f"{marks.mark:g}/{marks.out_of:g}. {marks.breakdown}"
    if marks.borderline:
        text += (f". Borderline ({', '.join(marks.borderline)}): a verdict line lies inside the "
                 "interval of the mean error; the mean of the runs decides.")
    return text


def _keys(result: SubmissionResult) -> set[str]:
    return {k for k in (result.id, result.hand_in.vle_id) if k}


def _scaled(mark: StudentMarks, scale: str) -> str:
    try:
        top = float(scale)
    except ValueError:
        top = mark.out_of
    return f"{mark.mark / mark.out_of * top:.2f}"


def _rows(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))


def _write(rows: Sequence[Sequence[str]], *, bom: bool) -> str:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerows(rows)
    return ("\ufeff" if bom else "") + buffer.getvalue()


def _index(results: Sequence[SubmissionResult]) -> dict[str, SubmissionResult]:
    return {key: r for r in results for key in _keys(r)}


def fill_moodle(text: str, *, results: Sequence[SubmissionResult], marks: ClassMarks) -> Filled:
    rows = _rows(text)
    header = rows[0] if rows else []
    missing = [c for c in (MOODLE_ID, MOODLE_GRADE, MOODLE_MODIFIED) if c not in header]
    if missing:
        raise GradebookError(f"not a Moodle grading worksheet: no {', '.join(missing)} column "
                             "(download it from the assignment: View all submissions, Grading "
                             "action, Download grading worksheet)")
    at = {name: header.index(name) for name in header}
    by_key = _index(results)
    filled, unmatched = [], []
    for row in rows[1:]:
        row += [""] * (len(header) - len(row))
        number = _NUMBER.search(row[at[MOODLE_ID]])
        result = by_key.get(number[1]) if number else None
        found = marks.students.get(result.id) if result else None
        if result is None or found is None:
            unmatched.append(row[at[MOODLE_ID]])
            continue
        scale = row[at[MOODLE_MAX]] if MOODLE_MAX in at else ""
        row[at[MOODLE_GRADE]] = _scaled(found, scale)
        if MOODLE_FEEDBACK in at:
            row[at[MOODLE_FEEDBACK]] = feedback_comment(found)
        filled.append(result.id)
    return Filled(_write(rows, bom=text.startswith("\ufeff")), tuple(filled), tuple(unmatched),
                  tuple(r.id for r in results if r.id not in filled))


def canvas_column(header: Sequence[str], wanted: str | None) -> int:
    """The assignment's column: the one named (or starting with) ``wanted``, else the only
    assignment column of the export."""
    candidates = [n for n, name in enumerate(header)
                  if name not in CANVAS_FIXED and not CANVAS_READ_ONLY.search(name)]
    if wanted:
        named = [n for n in candidates if header[n] == wanted or header[n].startswith(wanted)]
        if len(named) == 1:
            return named[0]
        raise GradebookError(f"no single assignment column named {wanted!r}; the export has: "
                             + "; ".join(header[n] for n in candidates))
    if len(candidates) == 1:
        return candidates[0]
    raise GradebookError("the export has several assignment columns; name one with --column: "
                         + "; ".join(header[n] for n in candidates))


def fill_canvas(text: str, *, results: Sequence[SubmissionResult], marks: ClassMarks,
                column: str | None = None) -> Filled:
    rows = _rows(text)
    header = rows[0] if rows else []
    if not {"Student", "ID"} <= set(header):
        raise GradebookError("not a Canvas gradebook export: no Student and ID columns (Grades, "
                             "Export, Export Entire Gradebook)")
    target = canvas_column(header, column)
    keys = [header.index(k) for k in CANVAS_KEYS if k in header]
    by_key = _index(results)
    points = ""
    filled, unmatched = [], []
    for row in rows[1:]:
        row += [""] * (len(header) - len(row))
        student = row[header.index("Student")].strip()
        if student.lower() in ("points possible", "") or not any(row[k].strip() for k in keys):
            if "points possible" in student.lower():
                points = row[target]
            continue  # a header-like row (Points Possible, a posting policy row): as it was
        result = next((by_key[row[k].strip()] for k in keys if row[k].strip() in by_key), None)
        found = marks.students.get(result.id) if result else None
        if result is None or found is None:
            unmatched.append(f"{student} ({row[keys[0]]})")
            continue
        row[target] = _scaled(found, points)
        filled.append(result.id)
    return Filled(_write(rows, bom=text.startswith("\ufeff")), tuple(filled), tuple(unmatched),
                  tuple(r.id for r in results if r.id not in filled))


def generic_csv(*, results: Sequence[SubmissionResult], marks: ClassMarks) -> Filled:
    rows = [["id", "name", "mark", "out_of", "feedback"]]
    for result in results:
        found = marks.students[result.id]
        rows.append([result.id, result.hand_in.name, f"{found.mark:g}", f"{found.out_of:g}",
                     feedback_comment(found)])
    return Filled(_write(rows, bom=False), tuple(r.id for r in results), (), ())


def fill(profile: str, *, template: str | None, results: Sequence[SubmissionResult],
         marks: ClassMarks, options: Mapping[str, str | None] | None = None) -> Filled:
    """The profile's filled file (``template``: the VLE's download, for moodle and canvas)."""
    if profile == "csv":
        return generic_csv(results=results, marks=marks)
    if template is None:
        raise GradebookError(f"--to {profile} fills the file the VLE gave: pass it with --template")
    if profile == "moodle":
        return fill_moodle(template, results=results, marks=marks)
    if profile == "canvas":
        return fill_canvas(template, results=results, marks=marks,
                           column=(options or {}).get("column"))
    raise GradebookError(f"unknown profile {profile!r} (one of {', '.join(PROFILES)})")
