"""Run folders and channels: made under a known prefix, removed after use, swept after a crash.

A run's staging folder is ``<temp>/grader-work-<grader pid>-<random>``: the grader writes the
script and the dataset copy there; under isolation the run sees them bound read-only into its own
size-limited tmpfs at the same path. A grader killed by ``kill -9`` cannot remove its folders, so
the next one removes those of graders that no longer exist (once per process). The facts and the
figure travel through memory files (``memfd``), so no run writes to the grader's disk.
"""

from __future__ import annotations

import functools
import os
import re
import shutil
import tempfile
from contextlib import suppress
from pathlib import Path
from typing import Any

PREFIX = "grader-work-"
FOLDER_NAME = re.compile(re.escape(PREFIX) + r"(\d+)-[A-Za-z0-9_]+")


def new_workdir(*, temp: str | None = None) -> Path:
    """A fresh staging folder named after this grader (after sweeping dead graders' folders)."""
    base = temp or tempfile.gettempdir()
    sweep_workdirs(base)
    return Path(tempfile.mkdtemp(prefix=f"{PREFIX}{os.getpid()}-", dir=base))


@functools.cache
def sweep_workdirs(base: str) -> tuple[str, ...]:
    """Remove the staging folders of graders that died; the names removed."""
    removed = []
    with suppress(OSError):
        for entry in os.scandir(base):
            match = FOLDER_NAME.fullmatch(entry.name)
            if match is None or not entry.is_dir(follow_symlinks=False):
                continue
            if alive(int(match.group(1))):
                continue
            remove_workdir(Path(entry.path))
            removed.append(entry.name)
    return tuple(removed)


def alive(pid: int) -> bool:
    """Whether a process ``pid`` exists (a reused pid counts as alive: never sweep too much)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def remove_workdir(workdir: Path) -> None:
    """Delete a run folder, even folders the run made unreadable (chmod 000) to keep it."""

    def unlock(_function: Any, path: str, _error: Any) -> None:
        with suppress(OSError):
            os.chmod(os.path.dirname(path), 0o700)
            os.chmod(path, 0o700)
        with suppress(OSError):
            if os.path.isdir(path) and not os.path.islink(path):
                shutil.rmtree(path, ignore_errors=True)
            else:
                os.unlink(path)

    shutil.rmtree(workdir, onerror=unlock)
    shutil.rmtree(workdir, ignore_errors=True)


def memory_file(name: str) -> int:
    """An anonymous file in memory, inheritable by the run (its pages count to the run's memory
    cgroup, its size to the run's file-size limit), closed by the caller."""
    fd = os.memfd_create(name, 0)
    os.set_inheritable(fd, True)
    return fd


def read_memory_file(fd: int, *, limit: int) -> bytes:
    """At most ``limit`` bytes from the start of a memory file, whatever the run did to it."""
    chunks, total = [], 0
    while total < limit:
        chunk = os.pread(fd, min(1 << 20, limit - total), total)
        if not chunk:
            break
        chunks.append(chunk)
        total += len(chunk)
    return b"".join(chunks)
