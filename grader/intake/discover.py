"""Intake: turn the paths the user gives into one ``Submission`` per student.

Accepted, and told apart by what they hold:

- a student's folder (it holds a task file, or a single archive): one submission, named by it;
- a class folder (it holds folders, or several archives): one submission per entry;
- task files given one by one: one submission per folder they sit in, named by that folder;
- a zip archive of one student or of a class; wrapper folders inside an archive are looked
  through, and archives inside a student's folder (a VLE bulk download) are opened, one level;
- a git repository (a student's clone, a bare repository, or a class of them): read at its HEAD
  commit.

What cannot be read never stops the batch, and nothing is dropped without a word: it becomes a
finding on that submission, and a student whose task file may be in what could not be read gets
``files.unreadable``, not ``files.missing``. A symbolic link the user names is followed; one inside
a class or a hand-in never is (it may point anywhere): it is reported as unreadable. So are FIFOs,
sockets and devices, wherever they are (opening one would block the batch), hidden folders (their
names start with "."; tool folders such as ``.git`` aside) and archives nested too deeply. Ids are
the folder or archive names, made unique, and submissions come back sorted by id.
"""

from __future__ import annotations

import logging
import os
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from grader.ids import CheckId
from grader.intake.disktree import PathNode, node_for
from grader.intake.filetree import READ_ERRORS, Group, Node, TooLarge, not_a_file
from grader.intake.gittree import is_bare_repository
from grader.intake.taskfile import MAX_TASK_BYTES, read_task_file, why
from grader.intake.taskname import renamed_task
from grader.records import Finding, Severity, SourceFile, Submission
from grader.spec import Assignment

__all__ = ["MAX_TASK_BYTES", "IntakeError", "discover", "read_task_file"]

log = logging.getLogger(__name__)

#: how deep below a student's folder task files are looked for
MAX_DEPTH = 4
#: zip archives opened inside one another: a class archive, then a student's archive in it
MAX_ARCHIVE_NESTING = 2
CODE_SUFFIXES = (".py", ".ipynb")
IGNORED_DIRS = frozenset({"__pycache__", "__MACOSX", "node_modules", "venv", ".venv"})
#: hidden folders that tools make (version control, editors, notebooks, caches, OS debris): never
#: a hand-in, so passed over in silence; any other hidden folder is reported, never read
TOOL_FOLDERS = frozenset({
    ".git", ".svn", ".hg", ".idea", ".vscode", ".ipynb_checkpoints", ".pytest_cache",
    ".mypy_cache", ".ruff_cache", ".cache", ".tox", ".venv", ".Trash", ".Trashes", ".fseventsd",
    ".Spotlight-V100", ".TemporaryItems", ".DocumentRevisions-V100", ".AppleDouble",
})
HIDDEN_NOT_READ = "a hidden folder (its name starts with '.'): not read; rename it to grade it"
NESTED_TOO_DEEP = (f"an archive nested more than {MAX_ARCHIVE_NESTING} deep inside archives: "
                   "not opened")


class IntakeError(ValueError):
    """A path the user gave cannot be graded at all (it does not exist, or is no hand-in)."""


#: why a symbolic link inside a hand-in or a class is not read: it may point anywhere
LINK_NOT_FOLLOWED = "a symbolic link, not followed"


@dataclass(frozen=True)
class _Unreadable:
    """A part of a hand-in that could not be looked into (a folder, an archive, a link)."""

    location: str
    reason: str


@dataclass
class _Unit:
    """One student's material before it is read."""

    id: str
    source: str
    node: Node | None  # None: nothing of it can be read (``unreadable`` says why)
    nesting: int = 0  # archives already opened to reach ``node``
    unreadable: list[_Unreadable] = field(default_factory=list)


def discover(paths: Sequence[Path], *, assignment: Assignment) -> list[Submission]:
    """One submission per student found under ``paths``, sorted by (unique) id.

    Raises IntakeError only for a path that does not exist or is neither a folder, a zip archive
    nor a Python file; everything wrong inside a hand-in becomes a finding. A path given here is
    read where it leads, symbolic link or not (the user chose it); a link found inside a class or
    a hand-in is never followed.
    """
    task_files = {task.file for task in assignment.tasks}
    units: list[_Unit] = []
    loose: dict[Path, list[Node]] = defaultdict(list)
    seen: set[Path] = set()
    for given in paths:
        path = Path(given)
        if not path.exists():
            raise IntakeError(f"{path}: no such file or folder")
        real = path.resolve()
        if real in seen:
            continue
        seen.add(real)
        named = Path(os.path.abspath(path))  # as the user named it: a link keeps its own name
        if real.is_dir():
            node = node_for(real, str(path))
            name = node.name if is_bare_repository(real) else named.name or real.name or str(path)
            units += _classify(node, name, task_files, nesting=0)
            continue
        node = PathNode(real, str(path), name=named.name)
        if node.special and path.suffix not in CODE_SUFFIXES:  # reading it says what it is
            unreadable = [_Unreadable(str(path), not_a_file(node.special))]
            units.append(_Unit(_stem(named.name), str(path), None, 0, unreadable))
        elif node.is_archive:
            units += _open_archive_units(node, _stem(named.name), nesting=0, task_files=task_files)
        elif path.suffix in CODE_SUFFIXES:
            loose[named.parent].append(node)
        else:
            raise IntakeError(f"{path}: not a folder, a zip archive or a Python file")
    for folder, nodes in sorted(loose.items()):
        location = str(Path(nodes[0].location).parent)
        units.append(
            _Unit(folder.name or "submission", location, Group(folder.name, location, nodes))
        )
    submissions = [_collect(unit, assignment) for unit in units]
    return sorted(_unique_ids(submissions), key=lambda s: s.id)


def _listing(node: Node) -> tuple[list[Node], list[Node]]:
    """A folder's entries that can belong to a hand-in (no hidden files, caches or OS debris),
    and its hidden folders and archives that no tool made (reported, never read; hidden plain
    files, ``.DS_Store`` and the like, are passed over). One of READ_ERRORS when the folder
    cannot be listed."""
    children = node.children()
    hidden = [c for c in children if c.name.startswith(".") and c.name not in TOOL_FOLDERS
              and (c.is_dir or c.is_link_to_folder or c.name.lower().endswith(".zip"))]
    return [c for c in children
            if not c.name.startswith(".") and c.name not in IGNORED_DIRS], hidden


def _not_read(node: Node) -> str:
    """Why an entry that may hold a hand-in is not looked into (see ``_may_hold_a_hand_in``)."""
    if node.special:
        return not_a_file(node.special)
    if node.is_link:
        return LINK_NOT_FOLLOWED
    return HIDDEN_NOT_READ


def _not_an_archive(node: Node, exc: BaseException) -> _Unreadable:
    return _Unreadable(node.location, f"not a readable zip archive ({why(exc)})")


def _classify(
    node: Node, name: str, task_files: set[str], *, nesting: int, unwrap: bool = False
) -> list[_Unit]:
    """Is ``node`` one student's hand-in or a class of them? Returns the students' units."""
    try:
        entries, hidden = _listing(node)
        while unwrap:  # an archive's single wrapper folder ("alice/", "class/") says nothing
            folders = [e for e in entries if e.is_dir]
            if len(folders) != 1 or any(e.name in task_files or e.is_archive for e in entries):
                break
            node = folders[0]
            entries, hidden = _listing(node)
    except READ_ERRORS:
        return [_Unit(name, node.location, node, nesting)]  # reading it says what went wrong
    folders = [e for e in entries if e.is_dir]
    archives = [e for e in entries if e.is_archive]
    links = [e for e in entries if _may_hold_a_hand_in(e)]  # where a folder or archive would be
    if any(e.name in task_files and not e.is_dir for e in entries) or (
        not folders and not links and len(archives) <= 1
    ):
        return [_Unit(name, node.location, node, nesting)]
    units = [_Unit(f.name, f.location, f, nesting) for f in folders]
    for archive in archives:
        units += [_Unit(_stem(archive.name), archive.location, archive, nesting)]
    for link in [*links, *hidden]:  # where a student's work may be, not read: said so
        unreadable = [_Unreadable(link.location, _not_read(link))]
        units += [_Unit(_stem(link.name), link.location, None, nesting, unreadable)]
    for entry in entries:
        if entry.is_link and entry not in links and not entry.name.endswith(CODE_SUFFIXES):
            log.warning("%s: a symbolic link beside the students' folders; ignored", entry.location)
        elif entry.special and entry not in links:
            log.warning("%s: %s beside the students' folders; never opened", entry.location,
                        entry.special)
        elif not entry.is_dir and not entry.is_archive and entry.name.endswith(CODE_SUFFIXES):
            log.warning(
                "%s: a code file beside the students' folders belongs to no one; ignored",
                entry.location,
            )
    return units


def _may_hold_a_hand_in(node: Node) -> bool:
    """A symbolic link to a folder, or a link or special file named like an archive: what it
    leads to is not read, but a student's work may be there."""
    named_like_an_archive = node.name.lower().endswith(".zip")
    return (node.is_link and (node.is_link_to_folder or named_like_an_archive)) or (
        node.special is not None and named_like_an_archive
    )


def _stem(name: str) -> str:
    return name[: -len(".zip")] if name.lower().endswith(".zip") else name


def _open_archive_units(
    node: Node, name: str, *, nesting: int, task_files: set[str]
) -> list[_Unit]:
    try:
        root = node.open_archive()
    except READ_ERRORS + (TooLarge,) as exc:
        return [_Unit(name, node.location, None, nesting + 1, [_not_an_archive(node, exc)])]
    return _classify(root, name, task_files, nesting=nesting + 1, unwrap=True)


def _collect(unit: _Unit, assignment: Assignment) -> Submission:
    """Read one student's task files; the rest of what they handed in is noted, not read."""
    findings: list[Finding] = []
    unreadable = list(unit.unreadable)
    candidates: dict[str, list[tuple[int, Node]]] = defaultdict(list)
    extras: list[str] = []
    renamed: dict[str, list[tuple[int, Node]]] = defaultdict(list)
    task_files = {task.file: task.id for task in assignment.tasks}

    def walk(node: Node, depth: int, nesting: int) -> None:
        try:
            entries, hidden = _listing(node)
        except READ_ERRORS as exc:
            unreadable.append(_Unreadable(node.location, f"cannot be listed ({why(exc)})"))
            return
        unreadable.extend(_Unreadable(h.location, HIDDEN_NOT_READ) for h in hidden)
        for entry in entries:
            if entry.is_dir:
                if depth < MAX_DEPTH:
                    walk(entry, depth + 1, nesting)
            elif entry.is_archive:
                if nesting >= MAX_ARCHIVE_NESTING:
                    unreadable.append(_Unreadable(entry.location, NESTED_TOO_DEEP))
                else:
                    walk_archive(entry, depth + 1, nesting)
            elif entry.name in task_files:
                candidates[task_files[entry.name]].append((depth, entry))
            elif (renamed_id := renamed_task(entry.name, task_files)) is not None:
                renamed[renamed_id].append((depth, entry))
            elif _may_hold_a_hand_in(entry) or entry.special:
                unreadable.append(_Unreadable(entry.location, _not_read(entry)))
            elif entry.name.endswith(CODE_SUFFIXES):
                extras.append(entry.location)

    def walk_archive(node: Node, depth: int, nesting: int) -> None:
        try:
            root = node.open_archive()
        except READ_ERRORS + (TooLarge,) as exc:
            unreadable.append(_not_an_archive(node, exc))
            return
        walk(root, depth, nesting + 1)

    if unit.node is not None:
        if unit.node.is_archive:
            walk_archive(unit.node, 0, unit.nesting)
        else:
            walk(unit.node, 0, unit.nesting)
    findings += _take_renamed(renamed, candidates, extras, assignment)
    files: dict[str, SourceFile] = {}
    for task_id, found in sorted(candidates.items()):
        found.sort(key=lambda item: (item[0], item[1].location))
        (_, chosen), others = found[0], found[1:]
        source, problem, declared = read_task_file(chosen, name=assignment.task(task_id).file)
        files[task_id] = source
        if problem:
            findings.append(
                Finding(CheckId.FILES_UNREADABLE, Severity.VIOLATION, problem, source.name)
            )
        elif declared:  # PEP 263 names another encoding than UTF-8: checked, never run
            findings.append(
                Finding(CheckId.SOURCE_ENCODING, Severity.VIOLATION, declared, source.name)
            )
        extras += [node.location for _, node in others]
    for extra in sorted(extras):
        findings.append(
            Finding(
                CheckId.FILES_EXTRA,
                Severity.WARNING,
                "only one code file per task is handed in; this one is not graded",
                extra,
            )
        )
    missing = [task for task in assignment.tasks
               if task.id not in candidates and not _ambiguous(findings, task.file)]
    findings += _unreadable_findings(unreadable, missing=[task.file for task in missing])
    return Submission(
        id=unit.id,
        source=unit.source,
        files=files,
        extra_files=tuple(sorted(extras)),
        findings=tuple(findings),
    )


def _take_renamed(renamed: dict[str, list[tuple[int, Node]]],
                  candidates: dict[str, list[tuple[int, Node]]], extras: list[str],
                  assignment: Assignment) -> list[Finding]:
    """A renamed task file stands in for a task with no exact file, with a warning naming it;
    two of them for one task are a violation, and neither is graded (no guessing)."""
    findings: list[Finding] = []
    for task_id, found in sorted(renamed.items()):
        file = assignment.task(task_id).file
        names = sorted(node.location for _, node in found)
        if task_id in candidates:
            extras += names
        elif len(found) == 1:
            candidates[task_id] = found
            findings.append(Finding(
                CheckId.FILES_RENAMED, Severity.WARNING,
                f"{names[0]} is graded as {file}: hand it in under that exact name", file))
        else:
            findings.append(Finding(
                CheckId.FILES_AMBIGUOUS, Severity.VIOLATION,
                f"{len(names)} files could be {file} ({', '.join(names)}): none is graded; "
                f"hand in exactly one {file}", file))
    return findings


def _ambiguous(findings: list[Finding], file: str) -> bool:
    return any(f.check == CheckId.FILES_AMBIGUOUS and f.file == file for f in findings)


def collect(*, id: str, source: str, node: Node, assignment: Assignment, nesting: int = 0
            ) -> Submission:
    """One student's hand-in read from ``node`` (a folder, an archive, or the files a VLE
    profile grouped for the student); ``nesting`` counts the archives already opened."""
    return _collect(_Unit(id, source, node, nesting), assignment)


def unique_ids(submissions: list[Submission]) -> list[Submission]:
    """Each id made unique (``-2``, ``-3`` ...), sorted by id."""
    return sorted(_unique_ids(submissions), key=lambda s: s.id)


def _unreadable_findings(unreadable: list[_Unreadable], *, missing: list[str]) -> list[Finding]:
    """What could not be read, as findings.

    A task file that was not found may be in what could not be read: that task gets a
    ``files.unreadable`` violation (not ``files.missing``: the student handed something in).
    When every task file was found, the unread parts are only warnings.
    """
    if not unreadable:
        return []
    if not missing:
        return [
            Finding(CheckId.FILES_UNREADABLE, Severity.WARNING, part.reason, part.location)
            for part in unreadable
        ]
    parts = "; ".join(f"{part.location}: {part.reason}" for part in unreadable)
    return [
        Finding(
            CheckId.FILES_UNREADABLE,
            Severity.VIOLATION,
            f"{file} was not found, and part of the hand-in could not be read: {parts}",
            file,
        )
        for file in missing
    ]


def _unique_ids(submissions: list[Submission]) -> list[Submission]:
    """Suffix repeated ids with -2, -3 ... in the order of their sources, so each id is unique."""
    taken: set[str] = set()
    out: list[Submission] = []
    for submission in sorted(submissions, key=lambda s: (s.id, s.source)):
        new_id, n = submission.id, 1
        while new_id in taken:
            n += 1
            new_id = f"{submission.id}-{n}"
        taken.add(new_id)
        if new_id != submission.id:
            submission = replace(submission, id=new_id)
        out.append(submission)
    return out
