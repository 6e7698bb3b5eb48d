"""Folders and files on disk, where a git repository is read at its commit: the hand-in as given.

``node_for`` is the one place a path becomes a node, so a student's clone found anywhere (named on
the command line or met inside a class folder) is read the same way. It sits above ``filetree``
(the view) and ``gittree`` (a commit's tree), which import neither it nor each other's nodes.

Only regular files are opened, with ``O_NONBLOCK | O_NOFOLLOW``, and checked again on the open
descriptor: a FIFO, socket or device would block the batch on ``open`` or ``read``, and a file
swapped for one after it was looked at must be refused too.
"""

from __future__ import annotations

import io
import os
import stat
import zipfile
from pathlib import Path

from grader.intake.filetree import Node, not_a_file, special_kind, zip_root
from grader.intake.gittree import is_bare_repository, is_repository, read_at_head


def node_for(path: Path, location: str | None = None) -> Node:
    """``path`` as a node: a repository (a clone, or a bare one) at its ``HEAD`` commit, anything
    else as it lies."""
    where = location if location is not None else str(path)
    if is_bare_repository(path):  # no working tree to fall back on: read at HEAD, or unreadable
        return read_at_head(path, where, bare=True) or PathNode(path, where)
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

    @property
    def special(self) -> str | None:
        try:
            return special_kind(self.path.lstat().st_mode)
        except OSError:
            return None  # gone, or not allowed to look: reading it will say which

    def open_regular(self) -> io.BufferedReader:
        """The file opened for reading, if it is a regular file (never a link, FIFO, socket or
        device: checked on the open descriptor, so a file swapped meanwhile is refused too)."""
        flags = os.O_RDONLY | os.O_NONBLOCK | os.O_NOFOLLOW | getattr(os, "O_CLOEXEC", 0)
        try:
            descriptor = os.open(self.path, flags)
        except OSError as exc:
            if self.path.is_symlink():
                raise OSError(f"{self.location} is a symbolic link") from exc
            raise
        mode = os.fstat(descriptor).st_mode
        if not stat.S_ISREG(mode):
            os.close(descriptor)
            raise OSError(not_a_file(special_kind(mode) or "a folder"))
        return os.fdopen(descriptor, "rb")

    def children(self) -> list[Node]:
        return [  # a student's folder may be a git repository
            node_for(child, str(Path(self.location) / child.name))
            for child in sorted(self.path.iterdir(), key=lambda p: p.name)
        ]

    def size(self) -> int:
        return self.path.stat().st_size

    def open_archive(self) -> Node:
        """The root folder of this zip file, read from disk as needed (not into memory)."""
        return zip_root(zipfile.ZipFile(self.open_regular()), self)

    def _read(self) -> bytes:
        if self.path.is_symlink():  # never follow a link out of the hand-in
            raise OSError(f"{self.location} is a symbolic link")
        with self.open_regular() as handle:
            return handle.read(os.fstat(handle.fileno()).st_size + 1)
