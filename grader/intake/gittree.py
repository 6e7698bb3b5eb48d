"""A git repository read at its last commit: what a student committed is what they handed in.

GitHub Classroom and similar tools hand an instructor one clone per student. Grading the working
tree would grade whatever happens to lie there (an edit after the deadline, a stray file); the
hand-in is the commit. So a folder holding a ``.git`` is read from the tree of its ``HEAD``
commit, through GitPython, in memory: nothing is checked out, and the commit's short hash goes
into every location so the report says which commit was graded.

A bare repository (``alice.git``: ``HEAD``, ``objects/``, ``refs/`` and no working tree, as a
server or ``git clone --bare`` keeps it) is read at its ``HEAD`` the same way, named without its
``.git``. A clone that cannot be read this way (no commit yet, a damaged ``.git``) is read as the
plain folder it also is, with a warning in the log; a bare repository has no such folder to fall
back on (its insides are git's, not the student's), so it is a hand-in that cannot be read.
"""

from __future__ import annotations

import logging
from pathlib import Path

from grader.intake.filetree import Node

log = logging.getLogger(__name__)

#: a tree entry's mode for a symbolic link, and for a submodule (a commit, not a file or tree)
LINK_MODE = 0o120000
SUBMODULE_MODE = 0o160000


class GitNode(Node):
    """A tree or blob of one commit."""

    def __init__(self, item: object, name: str, location: str) -> None:
        self._item = item  # git.Tree or git.Blob
        self.name, self.location = name, location

    @property
    def is_dir(self) -> bool:
        return str(getattr(self._item, "type", "")) == "tree"

    @property
    def is_link(self) -> bool:
        return int(getattr(self._item, "mode", 0)) == LINK_MODE

    def children(self) -> list[Node]:
        if not self.is_dir:
            raise NotADirectoryError(self.location)
        entries = [e for e in self._item if int(e.mode) != SUBMODULE_MODE]  # type: ignore[attr-defined]
        return [
            GitNode(entry, entry.name, f"{self.location}/{entry.name}")
            for entry in sorted(entries, key=lambda e: str(e.name))
        ]

    def size(self) -> int:
        return int(getattr(self._item, "size", 0)) if not self.is_dir else 0

    def _read(self) -> bytes:
        if self.is_dir:
            raise IsADirectoryError(self.location)
        if self.is_link:  # the link's target, not a file of the hand-in: never followed
            raise OSError(f"{self.location} is a symbolic link")
        data: bytes = self._item.data_stream.read()  # type: ignore[attr-defined]
        return data


def is_repository(path: Path) -> bool:
    """A folder (not a link to one) that holds a ``.git`` folder or file (a worktree)."""
    return not path.is_symlink() and path.is_dir() and (path / ".git").exists()


def is_bare_repository(path: Path) -> bool:
    """A folder (not a link to one) laid out as git's own: ``HEAD``, ``objects/``, ``refs/``."""
    return (not path.is_symlink() and path.is_dir() and (path / "HEAD").is_file()
            and (path / "objects").is_dir() and (path / "refs").is_dir())


def repository_name(path: Path) -> str:
    """A bare repository is named without its ``.git`` (``alice.git`` is alice's)."""
    if is_bare_repository(path) and path.name.endswith(".git") and len(path.name) > 4:
        return path.name[: -len(".git")]
    return path.name


class UnreadableRepository(Node):
    """A bare repository whose ``HEAD`` commit cannot be read: listing it says why."""

    def __init__(self, name: str, location: str, reason: str) -> None:
        self.name, self.location, self._reason = name, location, reason

    @property
    def is_dir(self) -> bool:
        return True

    def children(self) -> list[Node]:
        raise OSError(self._reason)

    def size(self) -> int:
        return 0

    def _read(self) -> bytes:
        raise IsADirectoryError(self.location)


def read_at_head(path: Path, where: str, *, bare: bool = False) -> Node | None:
    """The repository ``path`` as the tree of its ``HEAD`` commit; None (logged) if unreadable,
    or, for a ``bare`` one, a node that says why when listed.

    ``where`` names it in messages and locations.
    """
    name = repository_name(path)
    try:
        import git  # GitPython, imported only when a hand-in is a repository; raises
        # ImportError when the git program is missing
    except ImportError as exc:
        if bare:
            return UnreadableRepository(name, where, "a bare git repository, and git "
                                        f"repositories cannot be read here ({exc})")
        log.warning("%s: cannot read git repositories (%s); graded as a folder", where, exc)
        return None
    try:
        commit = git.Repo(path).head.commit
        return GitNode(commit.tree, name, f"{where}@{commit.hexsha[:8]}")
    except (git.GitError, ValueError, OSError) as exc:  # no commit yet, a broken .git
        if bare:
            return UnreadableRepository(name, where, "a bare git repository not readable at "
                                        f"HEAD ({exc or type(exc).__name__})")
        log.warning("%s: git repository not readable at HEAD (%s); graded as a folder",
                    where, exc)
    return None
