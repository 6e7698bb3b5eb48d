"""What every VLE profile produces: the files of one student, with what the download says about
them (the VLE's identifier, the name, a submission time and where that time came from)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, tzinfo

from grader.intake.disktree import PathNode
from grader.intake.filetree import READ_ERRORS, Node, ZipMember

#: where a time was read, as results.json and the report name it
ZIP_TIME = "zip entry time (no time zone in zip files: read in the deadline's)"
FILE_TIME = "file modification time"


@dataclass(frozen=True)
class Entry:
    """One student's part of a bulk download, before it is read."""

    key: str  # the VLE's identifier of the student (participant id, user id, username)
    name: str  # the name as the download spells it ("" when it has none)
    source: str  # where it lies, for messages
    nodes: tuple[Node, ...]  # the student's files or folder(s), named as the student named them
    submitted_at: datetime | None = None
    time_source: str = ""
    late_marker: bool = False
    not_graded: tuple[str, ...] = ()


class Renamed(Node):
    """A file or folder seen under another name: the VLE's prefix taken off, so that
    ``Ada Lovelace_101_assignsubmission_file_task1.py`` is ``task1.py`` again. Its location
    (what messages show) stays the real one."""

    def __init__(self, inner: Node, name: str) -> None:
        self._inner, self.name, self.location = inner, name, inner.location

    @property
    def is_dir(self) -> bool:
        return self._inner.is_dir

    @property
    def is_link(self) -> bool:
        return self._inner.is_link

    @property
    def is_link_to_folder(self) -> bool:
        return self._inner.is_link_to_folder

    def children(self) -> list[Node]:
        return self._inner.children()

    def size(self) -> int:
        return self._inner.size()

    def _read(self) -> bytes:
        return self._inner._read()

    def open_archive(self) -> Node:
        return self._inner.open_archive()


#: a profile: the entries of a class folder's meaningful children (None: not this profile's)
Profile = Callable[[list[Node], tzinfo], list[Entry]]


def node_time(node: Node, zone: tzinfo, *, depth: int = 3) -> tuple[datetime | None, str]:
    """The latest time stamp of a file, or of the files in a folder: a zip member's entry time
    (local, without a zone: read in ``zone``) or a file's modification time."""
    if isinstance(node, Renamed):
        return node_time(node._inner, zone, depth=depth)
    if isinstance(node, ZipMember):
        return datetime(*node.info.date_time, tzinfo=zone), ZIP_TIME
    if isinstance(node, PathNode) and not node.is_dir and not node.is_link:
        try:
            return datetime.fromtimestamp(node.path.stat().st_mtime, UTC), FILE_TIME
        except OSError:
            return None, ""
    if node.is_dir and depth > 0:
        try:
            children = node.children()
        except READ_ERRORS:
            return None, ""
        return latest(node_time(child, zone, depth=depth - 1) for child in children
                      if not child.name.startswith("."))
    return None, ""


def latest(times: Iterable[tuple[datetime | None, str]]) -> tuple[datetime | None, str]:
    known = [(when, source) for when, source in times if when is not None]
    return max(known, key=lambda item: item[0]) if known else (None, "")
