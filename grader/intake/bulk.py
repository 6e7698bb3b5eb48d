"""Intake of a whole class as it leaves the VLE: the download's profile, the roster, the times.

``read_class`` is what ``grader run``, ``grader check`` and ``grader intake`` call. Each path is
read by the profile ``--from`` names or, by default, the one its names show (``profiles.detect``):
a Moodle, Canvas or Blackboard download, or ``--id-pattern``, groups the download's files by the
VLE's identifier of each student; folders, single files, zips of folders and git clones go
through ``discover`` as before. Every submission then carries a ``HandIn``: the name, the VLE's
identifier, the submission time and where that time was read. A roster (``--roster``) renames
each matched hand-in to the VLE's identifier, adds the students who handed in nothing (graded as
``missing``) and reports the hand-ins that match nobody and the duplicates.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, tzinfo
from pathlib import Path

from grader.intake.discover import IGNORED_DIRS, IntakeError, collect, discover, unique_ids
from grader.intake.disktree import PathNode
from grader.intake.filetree import READ_ERRORS, Group, Node, TooLarge
from grader.intake.gitcommits import COMMIT_TIME, graded_commit, is_class_of_clones
from grader.intake.gittree import is_repository
from grader.intake.lateness import last_moment
from grader.intake.profiles import blackboard, canvas, moodle, pattern
from grader.intake.profiles.base import Entry, node_time
from grader.intake.profiles.detect import SOURCES, detect
from grader.intake.roster import Roster, RosterError, read_roster
from grader.intake.rosterjoin import RosterReport, join_roster
from grader.records import HandIn, Submission
from grader.spec import Assignment

__all__ = ["SOURCES", "ClassIntake", "IntakeOptions", "RosterError", "RosterReport",
           "read_class"]
_PROFILES = {moodle.NAME: moodle.entries, canvas.NAME: canvas.entries,
             blackboard.NAME: blackboard.entries}


@dataclass(frozen=True)
class IntakeOptions:
    """How the user said to read the class (``--from``, ``--id-pattern``, ``--roster``,
    ``--at``)."""

    source: str = "auto"
    id_pattern: str | None = None
    roster: Path | None = None
    at_head: bool = False  # ``--at HEAD``: git clones graded at their head, whatever the dates


@dataclass(frozen=True)
class ClassIntake:
    submissions: list[Submission]
    profiles: tuple[tuple[str, str], ...]  # (path as given, the profile that read it)
    roster: RosterReport | None = None


def read_class(paths: Sequence[Path], *, assignment: Assignment,
               options: IntakeOptions | None = None) -> ClassIntake:
    """Every submission under ``paths``; IntakeError (or RosterError, a ValueError too) for a
    path, pattern or roster that cannot be used at all."""
    options = options or IntakeOptions()
    if options.source not in SOURCES:
        raise IntakeError(f"--from must be one of {', '.join(SOURCES)} (got {options.source!r})")
    zone: tzinfo = assignment.deadline.tz if assignment.deadline else UTC
    regex = pattern.compile_pattern(options.id_pattern) if options.id_pattern else None
    submissions: list[Submission] = []
    plain: list[Path] = []
    used: list[tuple[str, str]] = []
    for given in paths:
        path = Path(given)
        if not path.exists():
            raise IntakeError(f"{path}: no such file or folder")
        profile, read = _read_path(path, assignment=assignment, options=options, zone=zone,
                                   regex=regex)
        used.append((str(path), profile))
        if read is None:
            plain.append(path)
        else:
            submissions += read
    if plain:
        submissions += [_with_time(s, zone) for s in discover(plain, assignment=assignment)]
    report = None
    if options.roster is not None:
        roster: Roster = read_roster(options.roster, zone=zone)
        submissions, report = join_roster(submissions, roster)
    return ClassIntake(unique_ids(submissions), tuple(used), report)


def _read_path(path: Path, *, assignment: Assignment, options: IntakeOptions, zone: tzinfo,
               regex: re.Pattern[str] | None) -> tuple[str, list[Submission] | None]:
    """The profile that reads ``path`` and its submissions (None: ``discover`` reads it)."""
    if options.source == "folders":
        return "folders", None
    if path.is_dir() and options.source in ("auto", "git") and is_class_of_clones(path):
        return "git", _clones(path, assignment=assignment, at_head=options.at_head)
    if options.source == "git":
        raise IntakeError(f"{path}: --from git, but this is no git clone nor a folder of them")
    root, nesting = _root(path, keep=lambda name: detect_name(name, regex))
    if root is None:
        return "folders", None
    children = _meaningful(root)
    if regex is not None:
        profile = "pattern"
        entries = pattern.entries(children, zone, regex)
    else:
        detected = detect([c.name for c in children]) or ""
        profile = options.source if options.source != "auto" else detected
        if not profile:
            return "folders", None
        entries = _PROFILES[profile](children, zone)
    if not entries:
        raise IntakeError(f"{path}: read as a {profile} download, but no file or folder in it is "
                          f"named the way {profile} names them")
    return profile, [_submission(e, assignment=assignment, nesting=nesting) for e in entries]


def detect_name(name: str, regex: re.Pattern[str] | None) -> bool:
    """Is ``name`` an entry of a download (so not a wrapper folder to look through)?"""
    return bool(regex.fullmatch(name)) if regex is not None else detect([name]) is not None


def _root(path: Path, *, keep: Callable[[str], bool]) -> tuple[Node | None, int]:
    """The folder a download's entries lie in: the folder itself, or the zip's root (through
    a single wrapper folder, unless that folder is itself a download's entry, as a Moodle
    download of one student in folders is); None for anything else (a task file, a broken
    zip)."""
    if path.is_dir():
        return PathNode(path.resolve(), str(path)), 0
    node = PathNode(path.resolve(), str(path), name=path.name)
    if not node.is_archive:
        return None, 0
    try:
        root = node.open_archive()
        entries = _meaningful(root)
        while len(entries) == 1 and entries[0].is_dir and not keep(entries[0].name):
            root = entries[0]
            entries = _meaningful(root)
    except READ_ERRORS + (TooLarge,):
        return None, 0  # discover reports the broken archive as a finding
    return root, 1


def _meaningful(node: Node) -> list[Node]:
    try:
        return [c for c in node.children()
                if not c.name.startswith(".") and c.name not in IGNORED_DIRS]
    except READ_ERRORS:
        return []


def _submission(entry: Entry, *, assignment: Assignment, nesting: int) -> Submission:
    group = Group(entry.key, entry.source, list(entry.nodes))
    read = collect(id=entry.key, source=entry.source, node=group, assignment=assignment,
                   nesting=nesting)
    return replace(read, hand_in=HandIn(
        name=entry.name, vle_id=entry.key, submitted_at=_iso(entry.submitted_at),
        time_source=entry.time_source, late_marker=entry.late_marker,
        not_graded=entry.not_graded))


def _clones(path: Path, *, assignment: Assignment, at_head: bool) -> list[Submission]:
    """Each clone at the last commit before its student's deadline (at its head without a
    deadline, or with ``--at HEAD``)."""
    repos = [path] if is_repository(path) else sorted(
        p for p in path.iterdir() if p.is_dir() and not p.name.startswith("."))
    out: list[Submission] = []
    for repo in repos:
        location = str(path) if repo == path else str(path / repo.name)
        commit = graded_commit(repo, location=location,
                               until=None if at_head else last_moment(assignment.deadline,
                                                                      repo.name))
        if commit is None:
            out += [_with_time(s, UTC) for s in discover([repo], assignment=assignment)]
            continue
        read = collect(id=repo.name, source=location, node=commit.node, assignment=assignment)
        out.append(replace(read, hand_in=HandIn(
            submitted_at=_iso(commit.submitted_at), time_source=COMMIT_TIME,
            not_graded=commit.not_graded)))
    return out


def _with_time(submission: Submission, zone: tzinfo) -> Submission:
    """A folder's or file's latest modification time (none for what lies inside an archive)."""
    path = Path(submission.source)
    if not path.exists():
        return submission
    when, source = node_time(PathNode(path), zone)
    return replace(submission, hand_in=replace(submission.hand_in, submitted_at=_iso(when),
                                               time_source=source))


def _iso(when: datetime | None) -> str | None:
    return None if when is None else when.isoformat(timespec="seconds")
