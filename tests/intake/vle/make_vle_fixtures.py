"""Small VLE bulk downloads built from the example class (``submissions/``), at test time.

Each builder writes, under a temporary folder, what the VLE would hand an instructor: Moodle's
"Download all submissions" zip (flat, or "in folders"), Canvas's submissions zip, Blackboard's
Assignment File Download zip with its receipts, and the class lists they export. The file
naming follows each VLE's documentation, as cited in ``grader/intake/profiles/``. Times are
written into the zip entries (and the receipts, and Moodle's grading worksheet) so that the
deadline's effect can be checked.

The class (the deadline is 2026-11-27 17:00 Europe/London, 15 minutes' grace, 10 % a started
day, cut-off after 7 days; 102 has an extension to 2026-11-30 17:00):

| id  | name            | files from     | handed in as                         | time (London)    |
|-----|-----------------|----------------|--------------------------------------|------------------|
| 101 | Ada Lovelace    | s2301147_ada   | task1.py, task2.py                   | 27 Nov 16:58     |
| 102 | Benoît O'Brien  | s2302288_ben   | Task1.py, task2 (1).py               | 29 Nov 10:00     |
| 103 | Gina Ng         | s2307745_gina  | task1.py (no task2)                  | 28 Nov 09:00     |
| 104 | Ada Lovelace    | s2303051_chen  | work.zip holding task1.py, task2.py  | 6 Dec 09:00      |
| 105 | Zoë D'Arcy      | (on the roster, nothing handed in)    |                  |
| 106 | Hugo Hart       | s2308856_hugo  | Task1.py and task1 (1).py, task2.py  | 27 Nov 17:05     |

106 is not on the roster; 101 and 104 share a name.
"""

from __future__ import annotations

import csv
import io
import zipfile
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
CLASS = ROOT / "submissions"
DEADLINE = """
[deadline]
due = 2026-11-27T17:00:00
time_zone = "Europe/London"
grace_minutes = 15
late_deduction_pct_per_day = 10.0
cutoff_days = 7
extensions = "extensions.csv"
"""


@dataclass(frozen=True)
class Student:
    id: str
    name: str
    folder: str  # in submissions/
    files: tuple[tuple[str, str], ...]  # (name handed in, file in the folder)
    at: datetime  # London wall-clock time of the hand-in
    per_student_zip: str = ""  # the files go into this zip inside the download
    on_roster: bool = True


CLASSLIST = (
    Student("101", "Ada Lovelace", "s2301147_ada",
            (("task1.py", "task1.py"), ("task2.py", "task2.py")), datetime(2026, 11, 27, 16, 58)),
    Student("102", "Benoît O'Brien", "s2302288_ben",
            (("Task1.py", "task1.py"), ("task2 (1).py", "task2.py")),
            datetime(2026, 11, 29, 10, 0)),
    Student("103", "Gina Ng", "s2307745_gina", (("task1.py", "task1.py"),),
            datetime(2026, 11, 28, 9, 0)),
    Student("104", "Ada Lovelace", "s2303051_chen",
            (("task1.py", "task1.py"), ("task2.py", "task2.py")), datetime(2026, 12, 6, 9, 0),
            per_student_zip="work.zip"),
    Student("106", "Hugo Hart", "s2308856_hugo",
            (("Task1.py", "task1.py"), ("task1 (1).py", "task1.py"), ("task2.py", "task2.py")),
            datetime(2026, 11, 27, 17, 5), on_roster=False),
)
NOBODY = Student("105", "Zoë D'Arcy", "", (), datetime(2026, 11, 27))
#: Canvas user ids and sortable names of the same students
CANVAS_IDS = {"101": ("lovelaceada", "2001"), "102": ("obrienbenoit", "2002"),
              "103": ("nggina", "2003"), "104": ("lovelaceada", "2004"),
              "106": ("harthugo", "2006"), "105": ("darcyzoe", "2005")}
#: Blackboard usernames
BLACKBOARD_IDS = {"101": "alovelace", "102": "bobrien", "103": "gng", "104": "alovelace2",
                  "106": "hhart", "105": "zdarcy"}


def _bytes(student: Student, source: str) -> bytes:
    return (CLASS / student.folder / source).read_bytes()


def _stamp(when: datetime) -> tuple[int, int, int, int, int, int]:
    return (when.year, when.month, when.day, when.hour, when.minute, when.second)


def _inner_zip(student: Student) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as inner:
        for name, source in student.files:
            inner.writestr(zipfile.ZipInfo(name, _stamp(student.at)), _bytes(student, source))
    return buffer.getvalue()


def _members(student: Student) -> list[tuple[str, bytes]]:
    """The student's files as handed in: loose, or in their own zip."""
    if student.per_student_zip:
        return [(student.per_student_zip, _inner_zip(student))]
    return [(name, _bytes(student, source)) for name, source in student.files]


def _write_zip(path: Path, members: list[tuple[str, bytes, datetime]]) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data, when in members:
            archive.writestr(zipfile.ZipInfo(name, _stamp(when)), data)
    return path


def moodle(folder: Path, *, in_folders: bool, students: tuple[Student, ...] = CLASSLIST,
           modern: bool = True) -> Path:
    """Moodle's download zip; in folders, ``modern`` writes 4.x's folder names (no trailing
    underscore), else 3.x's."""
    members = []
    for s in students:
        prefix = f"{s.name}_{s.id}_assignsubmission_file"
        for name, data in _members(s):
            if in_folders:
                members.append((f"{prefix}{'' if modern else '_'}/{name}", data, s.at))
            else:
                members.append((f"{prefix}_{name}", data, s.at))
    folder.mkdir(parents=True, exist_ok=True)
    return _write_zip(folder / "Assignment 3-Download all submissions.zip", members)


def moodle_worksheet(folder: Path, *, students: tuple[Student, ...] = CLASSLIST) -> Path:
    """Moodle's grading worksheet (``Identifier``: ``Participant 101``)."""
    rows = [["Identifier", "Full name", "Email address", "Status", "Grade", "Maximum Grade",
             "Grade can be changed", "Last modified (submission)", "Last modified (grade)",
             "Feedback comments"]]
    for s in [*students, NOBODY]:
        if not s.on_roster:
            continue
        handed = s is not NOBODY
        rows.append([f"Participant {s.id}", s.name, f"u{s.id}@example.edu",
                     "Submitted for grading" if handed else "No submission", "", "100.00", "Yes",
                     s.at.strftime("%A, %d %B %Y, %I:%M %p") if handed else "-", "-", ""])
    return _write_csv(folder / "Grades-Assignment 3.csv", rows)


def moodle_participants(folder: Path, *, students: tuple[Student, ...] = CLASSLIST) -> Path:
    rows = [["First name", "Last name", "ID number", "Email address", "Roles", "Groups"]]
    for s in [*students, NOBODY]:
        if s.on_roster:
            first, last = s.name.split(" ", 1)
            rows.append([first, last, "", f"u{s.id}@example.edu", "Student", "No groups"])
    return _write_csv(folder / "courseid_42_participants.csv", rows)


def canvas(folder: Path, *, students: tuple[Student, ...] = CLASSLIST) -> Path:
    """Canvas's submissions zip: flat, ``late`` after the due date, ``-1`` on a resubmission."""
    members = []
    for number, s in enumerate(students):
        sortable, user = CANVAS_IDS[s.id]
        late = "_late" if s.at > datetime(2026, 11, 27, 17, 0) else ""
        for index, (name, data) in enumerate(_members(s)):
            members.append((f"{sortable}{late}_{user}_{90000 + 10 * number + index}_{name}", data,
                            s.at))
    folder.mkdir(parents=True, exist_ok=True)
    return _write_zip(folder / "submissions.zip", members)


def canvas_gradebook(folder: Path, *, students: tuple[Student, ...] = CLASSLIST) -> Path:
    rows = [["Student", "ID", "SIS User ID", "SIS Login ID", "Section", "Assignment 3 (77)"],
            ["    Points Possible", "", "", "", "", "100.00"]]
    for s in [*students, NOBODY]:
        if s.on_roster:
            first, last = s.name.split(" ", 1)
            rows.append([f"{last}, {first}", CANVAS_IDS[s.id][1], f"s{s.id}", f"u{s.id}",
                         "CS 3", ""])
    return _write_csv(folder / "2026-12-01T0900_Grades-CS_3.csv", rows)


def blackboard(folder: Path, *, students: tuple[Student, ...] = CLASSLIST) -> Path:
    """Blackboard's Assignment File Download; 101 also has an earlier attempt."""
    members = []
    for s in students:
        user = BLACKBOARD_IDS[s.id]
        attempts = [s.at] + ([datetime(2026, 11, 26, 12, 0)] if s.id == "101" else [])
        for at in attempts:
            base = f"Assignment 3_{user}_attempt_{at:%Y-%m-%d-%H-%M-%S}"
            receipt = (f"Name: {s.name} ({user})\nAssignment: Assignment 3\n"
                       f"Date Submitted: {at:%A, %d %B %Y %H:%M:%S} o'clock GMT\n"
                       "Current Grade: Needs Grading\n\nSubmission Field:\nThere is no student "
                       "submission text data for this assignment.\n\nComments:\nThere are no "
                       "student comments for this assignment.\n\nFiles:\n")
            for name, data in _members(s):
                receipt += f"\tOriginal filename: {name}\n\tFilename: {base}_{name}\n"
                members.append((f"{base}_{name}", data, at))
            members.append((f"{base}.txt", receipt.encode(), at))
    folder.mkdir(parents=True, exist_ok=True)
    return _write_zip(folder / "gradebook_CS3_Assignment203_2026-12-01-09-00-00.zip", members)


def spec_with_deadline(folder: Path, *, deadline: str = DEADLINE,
                       extensions: str = "student,deadline,reason\n"
                       "102,2026-11-30T17:00:00,illness (note seen)\n") -> Path:
    """The repository's assignment.toml with a ``[deadline]`` table, written into ``folder``
    (its paths made absolute, so the copy reads the repository's materials)."""
    text = (ROOT / "assignment.toml").read_text(encoding="utf-8")
    for key in ("dataset", "original", "solution"):
        text = text.replace(f'{key} = "', f'{key} = "{ROOT.as_posix()}/')
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "extensions.csv").write_text(extensions, encoding="utf-8")
    top, tasks = text.split("[limits]", 1)
    spec = folder / "assignment.toml"
    spec.write_text(top + deadline + "\n[limits]" + tasks, encoding="utf-8")
    return spec


def _write_csv(path: Path, rows: list[list[str]]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    buffer = io.StringIO()
    csv.writer(buffer).writerows(rows)
    path.write_text(buffer.getvalue(), encoding="utf-8-sig")
    return path


if __name__ == "__main__":  # write them all into a folder to look at
    import sys

    out = Path(sys.argv[1] if len(sys.argv) > 1 else "vle-fixtures")
    for made in (moodle(out / "moodle-flat", in_folders=False),
                 moodle(out / "moodle-folders", in_folders=True), moodle_worksheet(out),
                 moodle_participants(out), canvas(out / "canvas"), canvas_gradebook(out),
                 blackboard(out / "blackboard"), spec_with_deadline(out)):
        print(made)
