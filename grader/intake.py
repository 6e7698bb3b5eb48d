"""Intake: turn the paths the user gives into one ``Submission`` per student.

Accepted, and told apart by what they hold:

- a student's folder (it holds a task file, or a single archive): one submission, named by it;
- a class folder (it holds folders, or several archives): one submission per entry;
- task files given one by one: one submission per folder they sit in, named by that folder;
- a zip archive of one student or of a class; wrapper folders inside an archive are looked
  through, and archives inside a student's folder (a VLE bulk download) are opened, one level;
- a git repository (a student's clone, or a class of them): read at its HEAD commit.

What cannot be read never stops the batch: it becomes a finding on that submission. Ids are the
folder or archive names, made unique, and submissions come back sorted by id.
"""

from __future__ import annotations

import hashlib
import logging
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from grader.filetree import READ_ERRORS, Group, Node, TooLarge
from grader.gittree import node_for
from grader.records import Finding, Severity, SourceFile, Submission
from grader.spec import Assignment

log = logging.getLogger(__name__)

#: a task file larger than this is not code a student wrote
MAX_TASK_BYTES = 1_000_000
#: how deep below a student's folder task files are looked for
MAX_DEPTH = 4
#: zip archives opened inside one another: a class archive, then a student's archive in it
MAX_ARCHIVE_NESTING = 2
CODE_SUFFIXES = (".py", ".ipynb")
IGNORED_DIRS = frozenset({"__pycache__", "__MACOSX", "node_modules", "venv", ".venv"})


class IntakeError(ValueError):
    """A path the user gave cannot be graded at all (it does not exist, or is no hand-in)."""


@dataclass
class _Unit:
    """One student's material before it is read."""

    id: str
    source: str
    node: Node | None  # None: the archive that was the whole hand-in could not be opened
    nesting: int = 0  # archives already opened to reach ``node``
    findings: list[Finding] = field(default_factory=list)


def discover(paths: Sequence[Path], *, assignment: Assignment) -> list[Submission]:
    """One submission per student found under ``paths``, sorted by (unique) id.

    Raises IntakeError only for a path that does not exist or is neither a folder, a zip archive
    nor a Python file; everything wrong inside a hand-in becomes a finding.
    """
    task_files = {task.file for task in assignment.tasks}
    units: list[_Unit] = []
    loose: dict[Path, list[Node]] = defaultdict(list)
    seen: set[Path] = set()
    for given in paths:
        path = Path(given)
        if not path.exists():
            raise IntakeError(f"{path}: no such file or folder")
        if path.resolve() in seen:
            continue
        seen.add(path.resolve())
        node = node_for(path)
        if node.is_dir:
            units += _classify(node, path.resolve().name or str(path), task_files, nesting=0)
        elif node.is_archive:
            units += _open_archive_units(node, path.stem, nesting=0, task_files=task_files)
        elif path.suffix in CODE_SUFFIXES:
            loose[path.resolve().parent].append(node)
        else:
            raise IntakeError(f"{path}: not a folder, a zip archive or a Python file")
    for folder, nodes in sorted(loose.items()):
        location = str(Path(nodes[0].location).parent)
        units.append(
            _Unit(folder.name or "submission", location, Group(folder.name, location, nodes))
        )
    submissions = [_collect(unit, assignment) for unit in units]
    return sorted(_unique_ids(submissions), key=lambda s: s.id)


def _meaningful(node: Node) -> list[Node]:
    """A folder's entries that can belong to a hand-in (no hidden files, caches or OS debris)."""
    try:
        children = node.children()
    except READ_ERRORS:
        return []
    return [c for c in children if not c.name.startswith(".") and c.name not in IGNORED_DIRS]


def _classify(
    node: Node, name: str, task_files: set[str], *, nesting: int, unwrap: bool = False
) -> list[_Unit]:
    """Is ``node`` one student's hand-in or a class of them? Returns the students' units."""
    entries = _meaningful(node)
    while unwrap:  # an archive's single wrapper folder ("alice/", "class/") says nothing
        folders = [e for e in entries if e.is_dir]
        if len(folders) != 1 or any(e.name in task_files or e.is_archive for e in entries):
            break
        node, entries = folders[0], _meaningful(folders[0])
    folders = [e for e in entries if e.is_dir]
    archives = [e for e in entries if e.is_archive]
    if any(e.name in task_files and not e.is_dir for e in entries) or (
        not folders and len(archives) <= 1
    ):
        return [_Unit(name, node.location, node, nesting)]
    units = [_Unit(f.name, f.location, f, nesting) for f in folders]
    for archive in archives:
        units += [_Unit(_stem(archive.name), archive.location, archive, nesting)]
    for entry in entries:
        if not entry.is_dir and not entry.is_archive and entry.name.endswith(CODE_SUFFIXES):
            log.warning(
                "%s: a code file beside the students' folders belongs to no one; ignored",
                entry.location,
            )
    return units


def _stem(name: str) -> str:
    return name[: -len(".zip")] if name.lower().endswith(".zip") else name


def _open_archive_units(
    node: Node, name: str, *, nesting: int, task_files: set[str]
) -> list[_Unit]:
    try:
        root = node.open_archive()
    except READ_ERRORS + (TooLarge,) as exc:
        finding = Finding(
            "files.unreadable",
            Severity.WARNING,
            f"{node.location}: not a readable zip archive ({exc})",
            node.name,
        )
        return [_Unit(name, node.location, None, nesting + 1, [finding])]
    return _classify(root, name, task_files, nesting=nesting + 1, unwrap=True)


def _collect(unit: _Unit, assignment: Assignment) -> Submission:
    """Read one student's task files; the rest of what they handed in is noted, not read."""
    findings = list(unit.findings)
    candidates: dict[str, list[tuple[int, Node]]] = defaultdict(list)
    extras: list[str] = []
    task_files = {task.file: task.id for task in assignment.tasks}

    def walk(node: Node, depth: int, nesting: int) -> None:
        for entry in _meaningful(node):
            if entry.is_dir:
                if depth < MAX_DEPTH:
                    walk(entry, depth + 1, nesting)
            elif entry.is_archive:
                if nesting >= MAX_ARCHIVE_NESTING:
                    findings.append(
                        Finding(
                            "files.extra",
                            Severity.WARNING,
                            f"{entry.location}: archive nested too deeply; not opened",
                            entry.name,
                        )
                    )
                    continue
                try:
                    walk(entry.open_archive(), depth + 1, nesting + 1)
                except READ_ERRORS + (TooLarge,) as exc:
                    findings.append(
                        Finding(
                            "files.unreadable",
                            Severity.WARNING,
                            f"{entry.location}: not a readable zip archive ({exc})",
                            entry.name,
                        )
                    )
            elif entry.name in task_files:
                candidates[task_files[entry.name]].append((depth, entry))
            elif entry.name.endswith(CODE_SUFFIXES):
                extras.append(entry.location)

    if unit.node is not None:
        if unit.node.is_archive:
            try:
                walk(unit.node.open_archive(), 0, unit.nesting + 1)
            except READ_ERRORS + (TooLarge,) as exc:
                findings.append(
                    Finding(
                        "files.unreadable",
                        Severity.WARNING,
                        f"{unit.node.location}: not a readable zip archive ({exc})",
                        unit.node.name,
                    )
                )
        else:
            walk(unit.node, 0, unit.nesting)
    files: dict[str, SourceFile] = {}
    for task_id, found in sorted(candidates.items()):
        found.sort(key=lambda item: (item[0], item[1].location))
        (_, chosen), others = found[0], found[1:]
        source, problem = read_task_file(chosen, name=assignment.task(task_id).file)
        files[task_id] = source
        if problem:
            findings.append(
                Finding(
                    "files.unreadable",
                    Severity.VIOLATION,
                    f"{chosen.location}: {problem}",
                    source.name,
                )
            )
        extras += [node.location for _, node in others]
    for extra in sorted(extras):
        findings.append(
            Finding(
                "files.extra",
                Severity.WARNING,
                f"{extra}: only one code file per task is handed in; this one is not graded",
                extra,
            )
        )
    return Submission(
        id=unit.id,
        source=unit.source,
        files=files,
        extra_files=tuple(sorted(extras)),
        findings=tuple(findings),
    )


def read_task_file(node: Node, *, name: str) -> tuple[SourceFile, str | None]:
    """The task file as a SourceFile, and why its text could not be read (None when it could)."""
    raw = b""
    problem: str | None = None
    try:
        if node.is_link:
            raise OSError("a symbolic link, not a file")
        raw = node.read(limit=MAX_TASK_BYTES)
    except TooLarge as exc:
        problem = f"larger than {MAX_TASK_BYTES // 1_000_000} MB ({exc}): not a hand-written script"
    except READ_ERRORS as exc:
        problem = f"cannot be read ({exc})"
    text: str | None = None
    if problem is None:
        if b"\0" in raw:
            problem = "a binary file, not a Python script"
        else:
            try:
                text = raw.decode("utf-8-sig")
            except UnicodeDecodeError as exc:
                problem = f"not UTF-8 text (byte {exc.start}): save it as UTF-8"
    digest = hashlib.sha256(raw).hexdigest()
    return SourceFile(name=name, path=node.location, sha256=digest, text=text), problem


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
            submission = Submission(
                new_id,
                submission.source,
                submission.files,
                submission.extra_files,
                submission.findings,
            )
        out.append(submission)
    return out
