"""Blackboard Learn's Grade Center "Assignment File Download": every attempt's files in one
folder, and a receipt text file per attempt.

Blackboard names each file after the assignment, the student's username, the attempt's time
and the file's own name, and writes a receipt beside them::

    Assignment 3_alovelace_attempt_2026-11-27-16-58-03_task1.py
    Assignment 3_alovelace_attempt_2026-11-27-16-58-03.txt

The receipt starts ``Name: Ada Lovelace (alovelace)`` and holds ``Date Submitted: Friday,
27 November 2026 16:58:03 o'clock GMT`` (US locales: ``Friday, November 27, 2026 4:58:03 PM
EST``), then the student's comments and a ``Files:`` list of ``Original filename:`` /
``Filename:`` pairs. Only the latest attempt of a student is graded; earlier ones are listed as
not graded. Source: github.com/vangef/BBGradebookOrganiser, a tool for these downloads:
``docs/instructions.md`` (Grade Centre > Full Grade Centre > the column's menu > Assignment File
Download) and ``utils/organiser.py`` (the username is the last ``_`` field before
``_attempt_``, the file's own name follows the attempt's time, the receipt's ``Name:`` line and
its "Comments:" section).
"""

from __future__ import annotations

import re
from collections import defaultdict
from datetime import UTC, datetime, timedelta, timezone, tzinfo

from grader.intake.filetree import READ_ERRORS, Node, TooLarge
from grader.intake.profiles.base import Entry, Renamed

NAME = "blackboard"
PATTERN = re.compile(
    r"^(?P<assignment>.+)_(?P<id>[^_]+)_attempt_"
    r"(?P<stamp>\d{4}-\d\d-\d\d-\d\d-\d\d-\d\d)(?:_(?P<file>.+)|(?P<receipt>\.txt))$"
)
RECEIPT_TIME = "Blackboard receipt (Date Submitted)"
NAME_TIME = "Blackboard file name (attempt time, read in the deadline's time zone)"
_NAME_LINE = re.compile(r"^Name:\s*(?P<name>.*?)\s*\((?P<id>[^()]*)\)\s*$", re.MULTILINE)
_DATE_LINE = re.compile(r"^Date Submitted:\s*(?P<date>.+?)\s*$", re.MULTILINE)
_DAY_FIRST = re.compile(r"(?P<d>\d{1,2}) (?P<m>[A-Za-z]+),? (?P<y>\d{4}),? "
                        r"(?P<H>\d{1,2}):(?P<M>\d\d):(?P<S>\d\d)(?: o'clock)?(?: (?P<z>[A-Z]+))?")
_MONTH_FIRST = re.compile(r"(?P<m>[A-Za-z]+) (?P<d>\d{1,2}), (?P<y>\d{4}),? (?P<H>\d{1,2}):"
                          r"(?P<M>\d\d):(?P<S>\d\d) ?(?P<p>[AP]M)?(?: (?P<z>[A-Z]+))?")
#: zone abbreviations a receipt may end with; any other is read in the deadline's zone
_ZONES = {"GMT": UTC, "UTC": UTC, "BST": timezone(timedelta(hours=1)),
          "CET": timezone(timedelta(hours=1)), "CEST": timezone(timedelta(hours=2)),
          "EST": timezone(timedelta(hours=-5)), "EDT": timezone(timedelta(hours=-4)),
          "CST": timezone(timedelta(hours=-6)), "CDT": timezone(timedelta(hours=-5)),
          "PST": timezone(timedelta(hours=-8)), "PDT": timezone(timedelta(hours=-7))}


def recognises(name: str) -> bool:
    return PATTERN.match(name) is not None


def receipt_time(text: str, zone: tzinfo) -> datetime | None:
    """The ``Date Submitted`` of a receipt (None when it is missing or unreadable)."""
    line = _DATE_LINE.search(text)
    if line is None:
        return None
    match = _DAY_FIRST.search(line["date"]) or _MONTH_FIRST.search(line["date"])
    if match is None:
        return None
    parts = match.groupdict()
    hour = int(parts["H"]) % 12 + (12 if parts.get("p") == "PM" else 0) if parts.get("p") else \
        int(parts["H"])
    try:
        month = datetime.strptime(parts["m"][:3], "%b").month
        when = datetime(int(parts["y"]), month, int(parts["d"]), hour, int(parts["M"]),
                        int(parts["S"]))
    except ValueError:
        return None
    return when.replace(tzinfo=_ZONES.get(parts.get("z") or "", zone))


def _read_text(node: Node) -> str:
    try:
        return node.read(limit=100_000).decode("utf-8-sig", errors="replace")
    except READ_ERRORS + (TooLarge,):
        return ""


def entries(children: list[Node], zone: tzinfo) -> list[Entry]:
    attempts: dict[str, dict[str, list[Node]]] = defaultdict(lambda: defaultdict(list))
    receipts: dict[tuple[str, str], Node] = {}
    for node in children:
        match = PATTERN.match(node.name)
        if match is None:
            continue
        key, stamp = match["id"], match["stamp"]
        if match["receipt"]:
            receipts[key, stamp] = node
            attempts[key].setdefault(stamp, [])
        else:
            attempts[key][stamp].append(Renamed(node, match["file"]))
    out = []
    for key, by_stamp in sorted(attempts.items()):
        stamp = max(by_stamp)
        nodes = by_stamp[stamp]
        text = _read_text(receipts[key, stamp]) if (key, stamp) in receipts else ""
        named = _NAME_LINE.search(text)
        when = receipt_time(text, zone)
        source = RECEIPT_TIME
        if when is None:
            when = datetime.strptime(stamp, "%Y-%m-%d-%H-%M-%S").replace(tzinfo=zone)
            source = NAME_TIME
        earlier = tuple(f"attempt of {s}: an earlier attempt, not graded"
                        for s in sorted(by_stamp) if s != stamp)
        where = nodes[0].location if nodes else receipts[key, stamp].location
        out.append(Entry(key, named["name"] if named else "", where, tuple(nodes), when,
                         source, not_graded=earlier))
    return out
