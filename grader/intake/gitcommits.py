"""A student's git clone read at the last commit at or before their deadline.

The hand-in of a repository is a commit, and the deadline decides which: the last commit reachable
from ``HEAD`` whose committer date is at or before the student's deadline (grace included). The
later commits are listed as "not graded: after the deadline". When every commit came after the
deadline, the head is graded (a late hand-in is graded in full; the late policy says what it
costs). ``--at HEAD`` grades the head whatever the dates. Commit dates come from the student's
machine, so the source says so.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from grader.intake.gittree import GitNode, is_repository

log = logging.getLogger(__name__)

COMMIT_TIME = "git commit date (committer; set by the student's machine)"


@dataclass(frozen=True)
class GradedCommit:
    node: GitNode
    submitted_at: datetime
    not_graded: tuple[str, ...]


def is_class_of_clones(path: Path) -> bool:
    """A repository, or a folder whose (visible) sub-folders are all repositories."""
    if is_repository(path):
        return True
    try:
        folders = [p for p in path.iterdir() if p.is_dir() and not p.name.startswith(".")]
    except OSError:
        return False
    return bool(folders) and all(is_repository(p) for p in folders)


def graded_commit(path: Path, *, location: str, until: datetime | None) -> GradedCommit | None:
    """The commit to grade (None when the repository cannot be read at all: the caller falls
    back to reading it as a folder)."""
    try:
        import git
    except ImportError as exc:
        log.warning("%s: cannot read git repositories (%s)", location, exc)
        return None
    try:
        repo = git.Repo(path)
        head = repo.head.commit
        history = sorted(repo.iter_commits(head.hexsha), key=lambda c: c.committed_datetime,
                         reverse=True)
    except (git.GitError, ValueError, OSError) as exc:
        log.warning("%s: git repository not readable (%s)", location, exc)
        return None
    chosen = head
    later: list[str] = []
    if until is not None:
        before = [c for c in history if c.committed_datetime <= until]
        if before:
            chosen = before[0]
            later = [f"{c.hexsha[:8]} of {c.committed_datetime.isoformat()} "
                     f"({str(c.summary)[:60]}): not graded: after the deadline"
                     for c in history if c.committed_datetime > until]
    node = GitNode(chosen.tree, path.name, f"{location}@{chosen.hexsha[:8]}")
    return GradedCommit(node, chosen.committed_datetime, tuple(later))
