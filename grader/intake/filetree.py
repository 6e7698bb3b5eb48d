"""One read-only view of folders and zip archives, so intake walks both the same way.

``Node`` is the view; this module holds the nodes inside an archive and the group of files named
one by one. Folders on disk are ``disktree``'s, a git commit's tree is ``gittree``'s.

Nothing is extracted to disk: archive members are read in memory, with sizes checked before
reading, so a zip bomb, a path like ``../../etc`` or a symbolic link cannot reach the file system.
Only regular files are ever opened: a FIFO, a socket or a device (``special``, known from
``lstat`` alone) would block the whole class on ``open`` or ``read``, so it is refused (see
``disktree``, which also checks again on the open descriptor).
"""

from __future__ import annotations

import io
import stat
import zipfile
import zlib
from abc import ABC, abstractmethod
from pathlib import PurePosixPath

#: an archive nested in another is read into memory; past this size it is not opened
MAX_NESTED_ARCHIVE_BYTES = 100 * 1024 * 1024
#: what reading a damaged or unsupported archive member can raise
READ_ERRORS = (
    OSError,
    zipfile.BadZipFile,
    zipfile.LargeZipFile,
    zlib.error,
    NotImplementedError,
    RuntimeError,
    EOFError,
    ValueError,
)


#: what each kind of special file is called in a finding
SPECIAL_KINDS = (
    (stat.S_ISFIFO, "a FIFO (named pipe)"),
    (stat.S_ISSOCK, "a socket"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
)


def special_kind(mode: int) -> str | None:
    """What a file of this mode is, if it is neither a regular file, a folder nor a link."""
    if stat.S_ISREG(mode) or stat.S_ISDIR(mode) or stat.S_ISLNK(mode):
        return None
    return next((name for test, name in SPECIAL_KINDS if test(mode)), "a special file")


def not_a_file(kind: str) -> str:
    return f"{kind}, not a file: never opened"


class TooLarge(Exception):
    """A file is larger than the caller's limit; it was not read."""


class Node(ABC):
    """A file or folder, on disk or inside an archive."""

    name: str
    location: str  # for messages: "class/alice/task1.py", "class.zip:alice/task1.py"

    @property
    @abstractmethod
    def is_dir(self) -> bool: ...

    @property
    def is_archive(self) -> bool:
        """A zip archive to look into (a link named like one is a link: never opened)."""
        return (not self.is_dir and not self.is_link and not self.special
                and self.name.lower().endswith(".zip"))

    @property
    def special(self) -> str | None:
        """What this is if it is a FIFO, a socket or a device (never opened); else None."""
        return None

    @property
    def is_link(self) -> bool:
        return False

    @property
    def is_link_to_folder(self) -> bool:
        """A symbolic link whose target is a folder (known from the link alone; nothing read)."""
        return False

    @abstractmethod
    def children(self) -> list[Node]:
        """The entries of a folder, sorted by name; raises OSError when it cannot be listed."""

    @abstractmethod
    def size(self) -> int: ...

    @abstractmethod
    def _read(self) -> bytes: ...

    def read(self, *, limit: int) -> bytes:
        """The file's bytes; TooLarge past ``limit``, or one of READ_ERRORS."""
        if self.size() > limit:
            raise TooLarge(f"{self.size():,} bytes")
        data = self._read()
        if len(data) > limit:  # a file that grew, or an archive that lied about its size
            raise TooLarge(f"more than {limit:,} bytes")
        return data

    def open_archive(self) -> Node:
        """The root folder of this zip archive; zipfile.BadZipFile (or READ_ERRORS) if broken.

        Read into memory here (an archive inside another); a file on disk opens itself.
        """
        archive = zipfile.ZipFile(io.BytesIO(self.read(limit=MAX_NESTED_ARCHIVE_BYTES)))
        return zip_root(archive, self)


class Group(Node):
    """Files given one by one on the command line, seen as the folder they share."""

    def __init__(self, name: str, location: str, members: list[Node]) -> None:
        self.name, self.location, self._members = name, location, members

    @property
    def is_dir(self) -> bool:
        return True

    def children(self) -> list[Node]:
        return sorted(self._members, key=lambda n: n.name)

    def size(self) -> int:
        return 0

    def _read(self) -> bytes:
        raise IsADirectoryError(self.location)


def _index(archive: zipfile.ZipFile) -> dict[str, dict[str, zipfile.ZipInfo | None]]:
    """Folder -> {entry name: member, or None for a sub-folder}, implied folders included."""
    tree: dict[str, dict[str, zipfile.ZipInfo | None]] = {"": {}}
    for info in archive.infolist():
        parts = [
            p
            for p in PurePosixPath(info.filename.replace("\\", "/")).parts
            if p not in ("", ".", "..", "/")
        ]
        if not parts:
            continue
        for depth in range(len(parts) - 1):
            folder = "/".join(parts[:depth])
            tree.setdefault(folder, {})[parts[depth]] = None
            tree.setdefault("/".join(parts[: depth + 1]), {})
        folder, leaf = "/".join(parts[:-1]), parts[-1]
        if info.is_dir():
            tree.setdefault(folder, {})[leaf] = None
            tree.setdefault("/".join(parts), {})
        else:
            tree.setdefault(folder, {}).setdefault(leaf, info)
    return tree


def zip_root(archive: zipfile.ZipFile, node: Node) -> Node:
    """The root folder of ``archive``, which is the file ``node``."""
    return ZipDir(archive, _index(archive), "", node.name, node.location + ":")


class ZipDir(Node):
    def __init__(
        self,
        archive: zipfile.ZipFile,
        index: dict[str, dict[str, zipfile.ZipInfo | None]],
        prefix: str,
        name: str,
        location: str,
    ) -> None:
        self.archive, self.index, self.prefix = archive, index, prefix
        self.name, self.location = name, location

    @property
    def is_dir(self) -> bool:
        return True

    def children(self) -> list[Node]:
        out: list[Node] = []
        for name, info in sorted(self.index.get(self.prefix, {}).items()):
            path = f"{self.prefix}/{name}" if self.prefix else name
            joint = "" if self.location.endswith(":") else "/"
            location = f"{self.location}{joint}{name}"
            if info is None:
                out.append(ZipDir(self.archive, self.index, path, name, location))
            else:
                out.append(ZipMember(self.archive, info, name, location))
        return out

    def size(self) -> int:
        return 0

    def _read(self) -> bytes:
        raise IsADirectoryError(self.location)


class ZipMember(Node):
    def __init__(
        self, archive: zipfile.ZipFile, info: zipfile.ZipInfo, name: str, location: str
    ) -> None:
        self.archive, self.info, self.name, self.location = archive, info, name, location

    @property
    def is_dir(self) -> bool:
        return False

    def children(self) -> list[Node]:
        raise NotADirectoryError(self.location)

    def size(self) -> int:
        return self.info.file_size

    def _read(self) -> bytes:
        with self.archive.open(self.info) as handle:
            return handle.read(self.info.file_size + 1)
