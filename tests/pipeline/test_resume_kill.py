"""Kill the real grader with SIGKILL mid-batch, run it again: no finished run repeated or lost.

The class is made of tiny scripts that print the three lines without TensorFlow, so the real
executor, harness and store are exercised in seconds.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

SCRIPT = """\
import time
time.sleep(0.3)
print("Test error: {error}%")
print("Model size: 1234")
print("Duration: 0.3s")
"""


def _rows(store: Path) -> dict[tuple[str, str, int], tuple[str, str]]:
    if not store.exists():
        return {}
    db = sqlite3.connect(store, timeout=30)
    try:
        rows = db.execute("SELECT task, file_sha256, idx, finished_at, outcome_json FROM runs")
        return {(t, s, i): (f, o) for t, s, i, f, o in rows}
    except sqlite3.OperationalError:  # the schema is not there yet
        return {}
    finally:
        db.close()


def _class_command(tmp_path: Path, *, students: int) -> tuple[list[str], Path]:
    """A class of quick non-TensorFlow students, and the ``grader run`` command that grades it."""
    for n in range(students):
        folder = tmp_path / "class" / f"student{n}"
        folder.mkdir(parents=True)
        (folder / "task1.py").write_text(SCRIPT.format(error=f"{n + 1}.00"))
    out = tmp_path / "out"
    command = [sys.executable, "-m", "grader", "run", str(tmp_path / "class"), "--out", str(out),
               "--runs", "3", "--tasks", "task1", "--no-analysis", "--jobs", "1"]
    return command, out


def _wait_for_rows(
    store: Path, count: int, grader: subprocess.Popen[str] | subprocess.Popen[bytes]
) -> None:
    """Until the store holds ``count`` runs (or the grader ended, or two minutes passed)."""
    deadline = time.monotonic() + 120
    while len(_rows(store)) < count and time.monotonic() < deadline and grader.poll() is None:
        time.sleep(0.05)


def test_sigkill_mid_batch_then_resume(tmp_path: Path) -> None:
    students = 3
    command, out = _class_command(tmp_path, students=students)
    grader = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                              start_new_session=True)
    store = out / "grader.sqlite"
    _wait_for_rows(store, 3, grader)
    os.killpg(grader.pid, signal.SIGKILL)
    grader.wait()
    before = _rows(store)
    assert 3 <= len(before) < students * 3, "the kill should land mid-batch"

    finished = subprocess.run(command, capture_output=True, text=True, timeout=300, check=False)
    assert finished.returncode == 0, finished.stderr
    after = _rows(store)
    assert len(after) == students * 3  # nothing lost
    for key, row in before.items():
        assert after[key] == row  # nothing repeated: the stored run is the very same row
    assert "already in the store" in finished.stdout


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_ctrl_c_or_sigterm_mid_batch_says_how_to_resume(tmp_path: Path, signum: int) -> None:
    """Ctrl-C (or SIGTERM) mid-batch: the children are killed, the store is consistent, the
    command exits 130 with the line that says how to resume, and resuming loses nothing."""
    students = 3
    command, out = _class_command(tmp_path, students=students)
    grader = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                              start_new_session=True)
    store = out / "grader.sqlite"
    _wait_for_rows(store, 2, grader)
    grader.send_signal(signum)  # the grader only, as a terminal's Ctrl-C reaches it
    stdout, stderr = grader.communicate(timeout=60)
    assert grader.returncode == 130, stderr
    assert "run the same command again to resume" in stdout and "Traceback" not in stderr
    before = _rows(store)
    assert 2 <= len(before) < students * 3, "the signal should land mid-batch"

    finished = subprocess.run(command, capture_output=True, text=True, timeout=300, check=False)
    assert finished.returncode == 0, finished.stderr
    after = _rows(store)
    assert len(after) == students * 3
    for key, row in before.items():
        assert after[key] == row
