"""The class list as the VLE exports it, joined to the hand-ins on the VLE's own identifier.

Recognised by their header row (each cited where its columns are defined; the headers are those
of an English-language site, as Moodle and Canvas translate them):

- Moodle's assignment grading worksheet ("Download grading worksheet", with the offline grading
  worksheet feedback type): ``Identifier`` (``Participant 101``: the participant id of the
  download's names), ``Full name``, ``Email address``, ``Status``, ..., ``Last modified
  (submission)`` (``Friday, 27 November 2026, 4:58 PM``, in the downloading user's time zone).
  The headers are Moodle's language strings ``recordid``, ``lastmodifiedsubmission`` ...
  (``mod/assign/lang/en/assign.php``, github.com/moodle/moodle).
- Moodle's participants page export ("Download table data as" CSV): ``First name``, ``Last
  name``, ``ID number``, ``Email address``. It has no participant id, so it is joined on the
  full name; two students of the same name are then reported, not guessed.
- Canvas's gradebook export (the Canvas Instructor Guide "How do I export grades in the
  Gradebook?"): ``Student`` (``Lovelace, Ada``), ``ID`` (the Canvas user id of the download's
  names), ``SIS User ID``, ``SIS Login ID``, ``Section``, then one column per assignment; a
  second row ``Points Possible`` is not a student (column meanings as documented in
  nemogb-dev.github.io/nemogb-r, "Detailed Canvas Export Info").
- Blackboard's Grade Center download as CSV: ``Last Name``, ``First Name``, ``Username`` (the
  username is the Grade Center's student key: Blackboard Help, "Uploading or Downloading Grade
  Center Items for Working Offline").
"""

from __future__ import annotations

import csv
import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime, tzinfo
from pathlib import Path

from grader.intake.discover import IntakeError

WORKSHEET_TIME = "Moodle grading worksheet (Last modified (submission))"
_PARTICIPANT = re.compile(r"(\d+)\s*$")


class RosterError(IntakeError):
    """The roster file cannot be read or is no export the grader knows."""


@dataclass(frozen=True)
class Student:
    key: str  # what the download's names carry: participant id, user id, username, or full name
    name: str  # for display
    submitted_at: datetime | None = None  # when the export says the student submitted


@dataclass(frozen=True)
class Roster:
    kind: str  # "moodle-worksheet", "moodle-participants", "canvas-gradebook", "blackboard"
    students: tuple[Student, ...]
    by_name: bool = False  # joined on the full name (the export has no VLE identifier)
    time_source: str = ""


def name_key(name: str) -> str:
    """A name as a join key: Unicode-normalised (NFC: "é" typed two ways is one letter),
    case-folded, spaces collapsed; accents and apostrophes are kept (they tell names apart)."""
    text = unicodedata.normalize("NFC", name).replace("\u2019", "'").casefold()
    return " ".join(text.split())


def read_roster(path: Path, *, zone: tzinfo) -> Roster:
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise RosterError(f"{path}: not UTF-8 text (byte {exc.start}); export it as UTF-8 CSV"
                          ) from exc
    except OSError as exc:
        raise RosterError(f"{path}: {exc.strerror or exc}") from exc
    rows = list(csv.reader(text.splitlines(), dialect=_dialect(text)))
    if not rows:
        raise RosterError(f"{path}: empty")
    header = [cell.strip() for cell in rows[0]]
    body = [dict(zip(header, (c.strip() for c in row), strict=False)) for row in rows[1:]
            if any(cell.strip() for cell in row)]
    columns = set(header)
    if {"Identifier", "Full name"} <= columns:
        return _moodle_worksheet(body, zone)
    if {"Student", "ID"} <= columns:
        students = [Student(r["ID"], r["Student"]) for r in body
                    if r.get("ID") and "points possible" not in r.get("Student", "").lower()]
        return Roster("canvas-gradebook", tuple(students))
    if "Username" in columns:
        return Roster("blackboard", tuple(
            Student(r["Username"], f"{r.get('First Name', '')} {r.get('Last Name', '')}".strip())
            for r in body if r.get("Username")))
    if {"First name", "Last name"} <= columns:
        students = [Student(name_key(full), full) for r in body
                    if (full := f"{r['First name']} {r['Last name']}".strip())]
        return Roster("moodle-participants", tuple(students), by_name=True)
    raise RosterError(f"{path}: not a class list the grader knows (a Moodle grading worksheet or "
                      "participants export, a Canvas gradebook or Blackboard Grade Center CSV); "
                      f"its columns: {', '.join(header[:8])}")


def _dialect(text: str) -> type[csv.Dialect] | csv.Dialect:
    try:
        return csv.Sniffer().sniff(text.split("\n", 1)[0], delimiters=",;\t")
    except csv.Error:
        return csv.excel


def _moodle_worksheet(body: list[dict[str, str]], zone: tzinfo) -> Roster:
    students = []
    for row in body:
        match = _PARTICIPANT.search(row.get("Identifier", ""))
        if match is None:
            continue
        when = _moodle_time(row.get("Last modified (submission)", ""), zone)
        students.append(Student(match[1], row.get("Full name", ""), when))
    return Roster("moodle-worksheet", tuple(students), time_source=WORKSHEET_TIME)


def _moodle_time(text: str, zone: tzinfo) -> datetime | None:
    """``Friday, 27 November 2026, 4:58 PM`` (Moodle's strftimedatetime); "-" when none."""
    for form in ("%A, %d %B %Y, %I:%M %p", "%A, %d %B %Y, %H:%M"):
        try:
            return datetime.strptime(text.strip(), form).replace(tzinfo=zone)
        except ValueError:
            continue
    return None
