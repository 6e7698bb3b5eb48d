"""Moodle's assignment "Download all submissions", with and without "Download submissions in
folders".

Moodle names each file (or, in folders, each student's folder) after the student's full name and
the participant identifier that the assignment gives each student (the number the grading
worksheet calls "Participant 101"), then the submission plugin::

    Ada Lovelace_101_assignsubmission_file_task1.py         (flat)
    Ada Lovelace_101_assignsubmission_file_/task1.py        (in folders, Moodle 3.1-3.x)
    Ada Lovelace_101_assignsubmission_file/task1.py         (in folders, Moodle 4.x)
    Ada Lovelace_101_assignsubmission_onlinetext_onlinetext.html

Underscores in a name are written as spaces, so the name never holds one. Sources: Moodle's
``mod/assign/locallib.php`` (``assign::download_submissions``; from 4.x
``mod/assign/classes/downloader.php``), github.com/moodle/moodle, and the "Download submissions
in folders" help string (MDL-62831, ``mod/assign/lang/en/assign.php``).
"""

from __future__ import annotations

import re
from collections import defaultdict
from datetime import tzinfo

from grader.intake.filetree import Node
from grader.intake.profiles.base import Entry, Renamed, latest, node_time

NAME = "moodle"
PATTERN = re.compile(
    r"^(?P<name>[^_]+)_(?P<id>\d+)_assignsubmission_(?P<plugin>[a-z]+)(?:_(?P<file>.*))?$"
)
#: the plugin whose files are hand-ins (online text and comments are not code)
FILE_PLUGIN = "file"


def recognises(name: str) -> bool:
    return PATTERN.match(name) is not None


def entries(children: list[Node], zone: tzinfo) -> list[Entry]:
    """One entry per participant id; other plugins' folders and files are left out."""
    grouped: dict[str, list[Node]] = defaultdict(list)
    names: dict[str, str] = {}
    for node in children:
        match = PATTERN.match(node.name)
        if match is None or match["plugin"] != FILE_PLUGIN:
            continue
        key = match["id"]
        names.setdefault(key, match["name"].strip())
        file = match["file"] or ""
        grouped[key].append(node if node.is_dir or not file else Renamed(node, file))
    out = []
    for key, nodes in sorted(grouped.items()):
        when, source = latest(node_time(n, zone) for n in nodes)
        out.append(Entry(key, names[key], nodes[0].location, tuple(nodes), when, source))
    return out
