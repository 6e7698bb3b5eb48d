"""Canvas's "Download Submissions" zip: every file in one folder, the student in its name.

Canvas renames each submitted file to the student's sortable name (lower case, no separators),
a ``late`` marker when the submission came after the due date, the Canvas user id, the
attachment id, then the file's own name; a file resubmitted under the same name gets a counter
before its extension (``task1-1.py``)::

    lovelaceada_101_5001_task1.py
    hopperbrace_late_102_5002_task1-1.py

Canvas's own guide ("How do I download all student submissions for an assignment?") does not
spell the names out; the scripts instructors share to undo the renaming do: github.com/
TimHanneman/Canvas_submission_sort (README: "the filenames ... contain a student name, two id
fields ... an extra field if the assignment was submitted late and if the assignment was
resubmitted multiple times a number is added at the end of the filename, but before the file
extension"), github.com/mikewesthad/canvas-unzipper (README: ``smithbob_340934_208490284_
BobsWork.zip``) and gist.github.com/RyanNutt/363baaf23a38f63a4389331e98535ea3 (the pattern
``[a-z]*?_[0-9]*?_[0-9]*?_``).
"""

from __future__ import annotations

import re
from collections import defaultdict
from datetime import tzinfo

from grader.intake.filetree import Node
from grader.intake.profiles.base import Entry, Renamed, latest, node_time

NAME = "canvas"
PATTERN = re.compile(
    r"^(?P<name>[^_]+?)(?P<late>_late)?_(?P<id>\d+)_(?P<attachment>\d+)_(?P<file>.+)$",
    re.IGNORECASE,
)


def recognises(name: str) -> bool:
    return PATTERN.match(name) is not None


def entries(children: list[Node], zone: tzinfo) -> list[Entry]:
    grouped: dict[str, list[Node]] = defaultdict(list)
    names: dict[str, str] = {}
    late: set[str] = set()
    for node in children:
        match = PATTERN.match(node.name)
        if match is None:
            continue
        key = match["id"]
        names.setdefault(key, match["name"])
        if match["late"]:
            late.add(key)
        grouped[key].append(Renamed(node, match["file"]))
    out = []
    for key, nodes in sorted(grouped.items()):
        when, source = latest(node_time(n, zone) for n in nodes)
        out.append(Entry(key, names[key], nodes[0].location, tuple(nodes), when, source,
                         late_marker=key in late))
    return out
