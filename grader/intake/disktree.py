"""Folders and files on disk, where a git repository is read at its commit: the hand-in as given.

``node_for`` is the one place a path becomes a node, so a student's clone found anywhere (named on
the command line or met inside a class folder) is read the same way. It sits above ``filetree``
(the view) and ``gittree`` (a commit's tree), which import neither it nor each other's nodes.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

from grader.intake.filetree import Node, zip_root
from grader.intake.gittree import is_repository, read_at_head


def node_for(path: Path, location: str | None = None) -> Node:
    """``path`` as a node: a repository at its ``HEAD`` commit, anything else as it lies."""
    where = location if location is not None else str(path)
    if is_repository(path):
        head = read_at_head(path, where)
        if head is not None:
            return head
    return PathNode(path, where)


class PathNode(Node):
    """A file or folder on disk; a git repository inside it is read at its commit."""

    def __init__(self, path: Path, location: str | None = None, *, name: str | None = None) -> None:
        self.path = path
        self.name = name if name is not None else path.name  # a link the user named: its name
        self.location = location if location is not None else str(path)

    @property
    def is_dir(self) -> bool:
        return not self.path.is_symlink() and self.path.is_dir()

    @property
    def is_link(self) -> bool:
        return self.path.is_symlink()

    @property
    def is_link_to_folder(self) -> bool:
        return self.path.is_symlink() and self.path.is_dir()

    def children(self) -> list[Node]:
        return [  # a student's folder may be a git repository
            node_for(child, str(Path(self.location) / child.name))
            for child in sorted(self.path.iterdir(), key=lambda p: p.name)
        ]

    def size(self) -> int:
        return self.path.stat().st_size

    def open_archive(self) -> Node:
        """The root folder of this zip file, read from disk as needed (not into memory)."""
        return zip_root(zipfile.ZipFile(self.path), self)

    def _read(self) -> bytes:
        if self.path.is_symlink():  # never follow a link out of the hand-in
            raise OSError(f"{self.location} is a symbolic link")
        with self.path.open("rb") as handle:
            return handle.read(self.size() + 1)
