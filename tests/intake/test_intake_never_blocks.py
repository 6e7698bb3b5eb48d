"""Intake never blocks and never drops a hand-in in silence: special files, bare repositories,
hidden folders, archives nested too deep and UTF-16/UTF-32 text, each with its near miss."""

from __future__ import annotations

import os
import socket
import stat
import subprocess
import sys
import threading
from collections.abc import Callable
from pathlib import Path

import git
import pytest

from grader.intake.discover import HIDDEN_NOT_READ, discover
from grader.intake.disktree import PathNode
from grader.records import Finding, Severity, Submission
from grader.spec import Assignment
from tests.intake.handins import write, zip_bytes

CODE = "print('hello')\n"
ROOT = Path(__file__).resolve().parents[2]




def _promptly(call: Callable[[], list[Submission]]) -> list[Submission]:
    """``call()``, failing (not hanging) if it blocks: a FIFO opened would wait for a writer."""
    out: list[list[Submission]] = []
    worker = threading.Thread(target=lambda: out.append(call()), daemon=True)
    worker.start()
    worker.join(timeout=20)
    assert not worker.is_alive(), "intake blocked"
    return out[0]


def _discover(paths: list[Path], assignment: Assignment) -> dict[str, Submission]:
    return {s.id: s for s in _promptly(lambda: discover(paths, assignment=assignment))}


def _unreadable(submission: Submission) -> list[Finding]:
    return [f for f in submission.findings if f.check == "files.unreadable"]


# ----------------------------------------------------------------------------- special files


def test_a_fifo_as_the_task_file_is_a_finding_not_a_hang(
    tmp_path: Path, assignment: Assignment
) -> None:
    alice = write(tmp_path / "class" / "alice", {"task2.py": CODE})
    os.mkfifo(alice / "task1.py")
    write(tmp_path / "class" / "bob", {"task1.py": CODE, "task2.py": CODE})  # the near miss
    found = _discover([tmp_path / "class"], assignment)
    (finding,) = _unreadable(found["alice"])
    assert finding.severity is Severity.VIOLATION and "FIFO" in finding.message
    assert found["alice"].files["task1"].text is None
    assert found["alice"].files["task2"].text == CODE
    assert _unreadable(found["bob"]) == [] and found["bob"].files["task1"].text == CODE


def test_a_fifo_named_like_an_archive_in_a_class_is_a_student_who_cannot_be_read(
    tmp_path: Path, assignment: Assignment
) -> None:
    klass = tmp_path / "class"
    write(klass, {"bob.zip": zip_bytes({"task1.py": CODE, "task2.py": CODE})})  # the near miss
    os.mkfifo(klass / "carol.zip")
    os.mkfifo(klass / "notes")  # belongs to no one: a log line, no student
    found = _discover([klass], assignment)
    assert sorted(found) == ["bob", "carol"]
    assert [f.severity for f in _unreadable(found["carol"])] == [Severity.VIOLATION] * 2
    assert all("FIFO" in f.message for f in _unreadable(found["carol"]))
    assert _unreadable(found["bob"]) == []


def test_special_files_given_on_the_command_line_are_findings(
    tmp_path: Path, assignment: Assignment
) -> None:
    os.mkfifo(tmp_path / "task1.py")
    os.mkfifo(tmp_path / "dave.zip")
    write(tmp_path, {"task2.py": CODE})
    found = _discover([tmp_path / "task1.py", tmp_path / "task2.py", tmp_path / "dave.zip"],
                      assignment)
    loose = found[tmp_path.name]
    assert [f.file for f in _unreadable(loose)] == ["task1.py"]
    assert loose.files["task2"].text == CODE
    assert all("FIFO" in f.message for f in _unreadable(found["dave"]))


def test_a_socket_or_a_device_inside_a_hand_in_is_reported_never_opened(
    tmp_path: Path, assignment: Assignment
) -> None:
    alice = write(tmp_path / "alice", {"task1.py": CODE, "task2.py": CODE})
    server = socket.socket(socket.AF_UNIX)
    server.bind(str(alice / "listen"))
    try:
        kinds = ["a socket"]
        try:
            os.mknod(alice / "null", stat.S_IFCHR | 0o600, os.makedev(1, 3))
            kinds.append("a character device")
        except PermissionError:
            pass  # devices need privileges; the socket still stands for them
        (submission,) = _promptly(lambda: discover([alice], assignment=assignment))
    finally:
        server.close()
    messages = sorted(f.message for f in _unreadable(submission))
    assert [f.severity for f in _unreadable(submission)] == [Severity.WARNING] * len(kinds)
    assert all(any(kind in m for m in messages) for kind in kinds)
    assert submission.files["task1"].text == CODE


def test_a_file_swapped_for_a_fifo_is_refused_on_its_descriptor(tmp_path: Path) -> None:
    fifo = tmp_path / "task1.py"
    os.mkfifo(fifo)
    node = PathNode(fifo)
    with pytest.raises(OSError, match="FIFO"):
        node.open_regular()  # what _read and open_archive use, whatever lstat said before
    regular = tmp_path / "task2.py"
    regular.write_text(CODE)
    with PathNode(regular).open_regular() as handle:
        assert handle.read() == CODE.encode()


def test_grader_check_on_a_fifo_exits_at_once(tmp_path: Path) -> None:
    alice = write(tmp_path / "alice", {"task2.py": CODE})
    os.mkfifo(alice / "task1.py")
    done = subprocess.run([sys.executable, "-m", "grader", "check", str(alice)],
                          capture_output=True, text=True, timeout=60, check=False,
                          env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert done.returncode == 1 and "FIFO" in done.stdout, done


# -------------------------------------------------------------------------- bare repositories


def _bare(tmp_path: Path, name: str, files: dict[str, str]) -> Path:
    work = tmp_path / "work" / name
    repo = git.Repo.init(work, mkdir=True)
    with repo.config_writer() as config:
        config.set_value("user", "name", "A Student")
        config.set_value("user", "email", "student@example.org")
    write(work, dict(files))
    repo.index.add(list(files))
    repo.index.commit("hand-in")
    target = tmp_path / "class" / f"{name}.git"
    git.Repo.clone_from(work, target, bare=True)
    return target


def test_bare_repositories_are_read_at_head(tmp_path: Path, assignment: Assignment) -> None:
    _bare(tmp_path, "alice", {"task1.py": CODE, "task2.py": CODE})
    _bare(tmp_path, "bob", {"task1.py": CODE})
    found = _discover([tmp_path / "class"], assignment)
    assert sorted(found) == ["alice", "bob"]
    assert found["alice"].files["task1"].text == CODE and _unreadable(found["alice"]) == []
    assert "task2" not in found["bob"].files  # missing: git's own files are not a hand-in
    (direct,) = _discover([tmp_path / "class" / "alice.git"], assignment).values()
    assert direct.id == "alice" and direct.files["task2"].text == CODE


def test_an_empty_bare_repository_is_unreadable_not_missing_and_a_git_named_folder_is_a_folder(
    tmp_path: Path, assignment: Assignment
) -> None:
    git.Repo.init(tmp_path / "class" / "carol.git", bare=True, mkdir=True)
    write(tmp_path / "class" / "dan.git", {"task1.py": CODE, "task2.py": CODE})  # a near miss
    found = _discover([tmp_path / "class"], assignment)
    assert sorted(found) == ["carol", "dan.git"]
    assert [f.severity for f in _unreadable(found["carol"])] == [Severity.VIOLATION] * 2
    assert all("bare git repository" in f.message for f in _unreadable(found["carol"]))
    assert found["dan.git"].files["task1"].text == CODE


# ------------------------------------------------------------------------------ hidden folders


def test_a_hidden_student_folder_is_reported_not_dropped(
    tmp_path: Path, assignment: Assignment
) -> None:
    klass = tmp_path / "class"
    write(klass / ".erin", {"task1.py": CODE, "task2.py": CODE})
    write(klass / "fay", {"task1.py": CODE, "task2.py": CODE})
    write(klass / ".ipynb_checkpoints", {"task1-checkpoint.py": CODE})  # a tool's: silence
    write(klass / ".git", {"HEAD": "ref: refs/heads/main\n"})
    found = _discover([klass], assignment)
    assert sorted(found) == [".erin", "fay"]
    assert [f.severity for f in _unreadable(found[".erin"])] == [Severity.VIOLATION] * 2
    assert all(HIDDEN_NOT_READ in f.message for f in _unreadable(found[".erin"]))
    assert _unreadable(found["fay"]) == []


def test_a_hidden_folder_inside_a_hand_in(tmp_path: Path, assignment: Assignment) -> None:
    write(tmp_path / "gil", {"task1.py": CODE, ".old/task2.py": CODE})
    write(tmp_path / "hal", {"task1.py": CODE, "task2.py": CODE, ".backup/task2.py": CODE})
    write(tmp_path / "ida", {"task1.py": CODE, "task2.py": CODE, ".vscode/settings.json": "{}"})
    found = _discover([tmp_path / "gil", tmp_path / "hal", tmp_path / "ida"], assignment)
    (gil,) = _unreadable(found["gil"])  # task2 may be in there: unreadable, not missing
    assert gil.severity is Severity.VIOLATION and ".old" in gil.message
    (hal,) = _unreadable(found["hal"])  # every task found: only a warning
    assert hal.severity is Severity.WARNING and hal.file is not None and ".backup" in hal.file
    assert _unreadable(found["ida"]) == []


# ------------------------------------------------------------------ archives nested too deep


def test_a_task_in_an_archive_nested_too_deep_is_unreadable_not_missing(
    tmp_path: Path, assignment: Assignment
) -> None:
    deep = zip_bytes({"inner.zip": zip_bytes({"task2.py": CODE})})
    (tmp_path / "jo.zip").write_bytes(zip_bytes({"task1.py": CODE, "nested.zip": deep}))
    (tmp_path / "kim.zip").write_bytes(zip_bytes({"task1.py": CODE, "task2.zip": zip_bytes(
        {"task2.py": CODE})}))  # the near miss: one level inside the hand-in is opened
    found = _discover([tmp_path / "jo.zip", tmp_path / "kim.zip"], assignment)
    (finding,) = _unreadable(found["jo"])
    assert finding.severity is Severity.VIOLATION and "nested more than 2 deep" in finding.message
    assert "task2" not in found["jo"].files
    assert _unreadable(found["kim"]) == [] and found["kim"].files["task2"].text == CODE


# ------------------------------------------------------------------------------- wide text


@pytest.mark.parametrize(
    ("encoding", "name"),
    [("utf-16", "UTF-16"), ("utf-16-le", "UTF-16"), ("utf-16-be", "UTF-16"),
     ("utf-32", "UTF-32"), ("utf-32-le", "UTF-32"), ("utf-32-be", "UTF-32")],
)
def test_utf16_and_utf32_files_are_told_to_save_as_utf8(
    tmp_path: Path, assignment: Assignment, encoding: str, name: str
) -> None:
    text = "# Übung\nimport numpy as np\nprint('€', np.pi)\n"
    write(tmp_path / "lee", {"task1.py": text.encode(encoding), "task2.py": CODE})
    (submission,) = _discover([tmp_path / "lee"], assignment).values()
    (finding,) = _unreadable(submission)
    assert name in finding.message and "save it as UTF-8" in finding.message
    assert "binary" not in finding.message


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        (bytes(range(256)) * 8, "a binary file"),  # NULs, but in no text's pattern
        (b"\x7fELF\x02\x01\x01" + bytes(200), "a binary file"),
        ("# Übung\nx = 1\n".encode("utf-8-sig"), None),  # UTF-8 with a BOM is fine
        ("x = 'ü'\n".encode(), None),
    ],
)
def test_binary_and_utf8_files_near_misses(
    tmp_path: Path, assignment: Assignment, content: bytes, problem: str | None
) -> None:
    write(tmp_path / "max", {"task1.py": content, "task2.py": CODE})
    (submission,) = _discover([tmp_path / "max"], assignment).values()
    messages = [f.message for f in _unreadable(submission)]
    if problem is None:
        assert messages == [] and submission.files["task1"].text is not None
    else:
        assert len(messages) == 1 and problem in messages[0] and "UTF" not in messages[0]

