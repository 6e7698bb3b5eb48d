"""``--id-pattern REGEX``: any other download, told apart by a regular expression with named
groups. ``id`` (required) names the student; ``name`` is kept for display; ``file``, when given,
is the file's own name inside the entry's name. The pattern must match a whole entry name (a
file or folder directly inside the download); entries it does not match are left out, with a
warning."""

from __future__ import annotations

import logging
import re
from collections import defaultdict
from datetime import tzinfo

from grader.intake.discover import IntakeError
from grader.intake.filetree import Node
from grader.intake.profiles.base import Entry, Renamed, latest, node_time

NAME = "pattern"
log = logging.getLogger(__name__)


class PatternError(IntakeError):
    """The --id-pattern is no regular expression, or has no ``id`` group."""


def compile_pattern(text: str) -> re.Pattern[str]:
    try:
        pattern = re.compile(text)
    except re.error as exc:
        raise PatternError(f"--id-pattern: not a regular expression: {exc}") from exc
    if "id" not in pattern.groupindex:
        raise PatternError("--id-pattern needs a named group (?P<id>...) for the student")
    return pattern


def entries(children: list[Node], zone: tzinfo, pattern: re.Pattern[str]) -> list[Entry]:
    grouped: dict[str, list[Node]] = defaultdict(list)
    names: dict[str, str] = {}
    for node in children:
        match = pattern.fullmatch(node.name)
        if match is None or not match["id"]:
            log.warning("%s: does not match --id-pattern; left out", node.location)
            continue
        key = match["id"]
        groups = match.groupdict()
        names.setdefault(key, groups.get("name") or "")
        file = groups.get("file")
        grouped[key].append(Renamed(node, file) if file else node)
    out = []
    for key, nodes in sorted(grouped.items()):
        when, source = latest(node_time(n, zone) for n in nodes)
        out.append(Entry(key, names[key], nodes[0].location, tuple(nodes), when, source))
    return out
