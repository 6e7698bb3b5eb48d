"""Run folders and memory files: a dead grader's folders are swept, a live one's never."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from grader.sandbox.workdirs import (
    PREFIX,
    memory_file,
    new_workdir,
    read_memory_file,
    sweep_workdirs,
)


def _dead_pid() -> int:
    done = subprocess.Popen(["true"])
    done.wait()
    return done.pid


def test_only_the_folders_of_graders_that_no_longer_exist_are_swept(tmp_path: Path) -> None:
    dead = tmp_path / f"{PREFIX}{_dead_pid()}-abc123"
    live = tmp_path / f"{PREFIX}{os.getpid()}-abc123"
    other = tmp_path / "grader-work-abc123"  # an older grader's name: not ours to judge
    for folder in (dead, live, other):
        (folder / "sub").mkdir(parents=True)
        (folder / "sub" / "file").write_text("x")
    (dead / "sub").chmod(0)  # a run made it unreadable to keep it
    assert sweep_workdirs.__wrapped__(str(tmp_path)) == (dead.name,)
    assert not dead.exists() and live.exists() and other.exists()


def test_a_new_folder_is_named_after_this_grader(tmp_path: Path) -> None:
    folder = new_workdir(temp=str(tmp_path))
    assert folder.parent == tmp_path and folder.name.startswith(f"{PREFIX}{os.getpid()}-")


def test_a_memory_file_is_read_from_its_start_up_to_the_limit() -> None:
    fd = memory_file("grader-test")
    try:
        os.write(fd, b"0123456789")  # the offset is now at the end: reading starts at 0 anyway
        assert read_memory_file(fd, limit=4) == b"0123"
        assert read_memory_file(fd, limit=100) == b"0123456789"
        assert os.get_inheritable(fd)
    finally:
        os.close(fd)
