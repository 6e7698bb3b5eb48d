"""Every fault of the output folder or the store ends in one line and exit 2 from ``grader run``
and ``grader report``, never a traceback, and nothing already rendered is deleted.

Graded with a fake executor (nothing is run). The read-only and full file systems are real: a
read-only bind mount and a small tmpfs, made in a private mount namespace (``unshare``) that
vanishes with the command; those tests skip where no namespace can be made.
"""

from __future__ import annotations

import errno
import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from grader import pipeline
from grader.cli import main
from grader.records import RunSpec
from grader.report import render
from grader.report.atomic import STAGING_PREFIX, write_atomic
from grader.store import opening
from grader.store.database import STORE_NAME, Store, StoreError
from tests.runtime_fakes import FakeExecutor, facts, outcome

ROOT = Path(__file__).resolve().parents[2]


def _answer(spec: RunSpec):  # type: ignore[no-untyped-def]
    layers = ("Conv2D", "Dense") if spec.task == "task1" else ("GRU", "Dense")
    return outcome(spec.index, error=2.0, isolated=True, facts=facts(layers=layers))


@pytest.fixture(autouse=True)
def fake_runs(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pipeline, "make_executor", lambda settings: FakeExecutor(_answer))


@pytest.fixture
def klass(tmp_path: Path) -> Path:
    for student in ("amy", "bob"):
        folder = tmp_path / "class" / student
        folder.mkdir(parents=True)
        for task in ("task1", "task2"):
            shutil.copy(ROOT / "reference" / "solution" / f"{task}.py", folder)
    return tmp_path / "class"


def _run(klass: Path, out: Path) -> int:
    return main(["run", str(klass), "--out", str(out), "--runs", "1", "--no-analysis"])


@pytest.fixture
def graded(klass: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Path:
    out = tmp_path / "report"
    assert _run(klass, out) == 0
    capsys.readouterr()
    return out


def _outputs(out: Path) -> dict[str, str]:
    """Every rendered file (not the store) and the hash of its bytes."""
    return {
        str(p.relative_to(out)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(out.rglob("*"))
        if p.is_file() and not p.name.startswith(STORE_NAME)
    }


def _one_line(err: str, *words: str) -> None:
    assert err.count("\n") == 1 and "Traceback" not in err, err
    for word in words:
        assert word in err, err


def _stored(out: Path, sql: str, *params: object) -> None:
    db = sqlite3.connect(out / STORE_NAME)
    db.execute(sql, params)
    db.commit()
    db.close()


# ---------------------------------------------------------------------------- a damaged store


def test_report_on_a_zero_byte_store_exits_2_and_deletes_nothing(
    graded: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = _outputs(graded)
    assert len([k for k in before if k.startswith("students/")]) == 2
    for leftover in graded.glob(f"{STORE_NAME}*"):
        leftover.unlink()
    (graded / STORE_NAME).write_bytes(b"")
    assert main(["report", str(graded)]) == 2
    _one_line(capsys.readouterr().err, "grader report: ", "not a grader store")
    assert _outputs(graded) == before
    assert (graded / STORE_NAME).stat().st_size == 0  # not made into an empty store either


def test_report_on_an_intact_store_keeps_every_page(
    graded: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = _outputs(graded)
    assert main(["report", str(graded)]) == 0
    assert set(_outputs(graded)) == set(before)
    assert not list(graded.glob(f"{STAGING_PREFIX}*"))


def test_run_into_a_zero_byte_or_damaged_store_exits_2(
    klass: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for content in (b"", b"not a database at all, " * 100):
        out = tmp_path / f"out{len(content)}"
        out.mkdir()
        (out / STORE_NAME).write_bytes(content)
        assert _run(klass, out) == 2
        _one_line(capsys.readouterr().err, "grader run: ")
        assert (out / STORE_NAME).read_bytes() == content
        assert not (out / "index.html").exists()


def test_a_new_store_is_made_whole_and_leaves_no_temporary_file(tmp_path: Path) -> None:
    with Store.in_folder(tmp_path / "new") as store:
        assert store.submissions() == []
    assert sorted(p.name for p in (tmp_path / "new").iterdir()) == [STORE_NAME]
    with pytest.raises(StoreError, match="not a regular file"):
        Store.in_folder(tmp_path / "elsewhere", create=False)


@pytest.mark.parametrize(
    ("sql", "what"),
    [
        ("UPDATE runs SET outcome_json = '{not json'", "run"),
        ("UPDATE runs SET outcome_json = json_set(outcome_json, '$.stdout', 5)", "run"),
        ("UPDATE runs SET outcome_json = json_set(outcome_json, '$.status', 'won')", "run"),
        ("UPDATE runs SET outcome_json = '[1, 2]'", "run"),
        ("UPDATE task_files SET static_json = json_set(static_json, '$.findings', 'none')",
         "static result"),
        ("UPDATE task_files SET runs_expected = 'five'", "static result"),
        ("UPDATE meta SET value = '[1]' WHERE key = 'settings'", "settings"),
        ("UPDATE meta SET value = '{' WHERE key = 'machine'", "setting"),
        ("UPDATE submissions SET source = x'ff'", "submission"),
    ],
)
def test_a_row_that_does_not_decode_exits_2_and_deletes_nothing(
    graded: Path, capsys: pytest.CaptureFixture[str], sql: str, what: str
) -> None:
    before = _outputs(graded)
    _stored(graded, sql)
    assert main(["report", str(graded)]) == 2
    _one_line(capsys.readouterr().err, "grader report: ", what, "damaged")
    assert _outputs(graded) == before


def test_a_row_with_more_than_it_needs_still_decodes(
    graded: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _stored(graded, "UPDATE runs SET outcome_json = json_set(outcome_json, '$.later', 1)")
    assert main(["report", str(graded)]) == 0


def test_a_locked_store_exits_2(
    graded: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(opening, "LOCK_TIMEOUT_S", 0.2)
    before = _outputs(graded)
    holder = sqlite3.connect(graded / STORE_NAME, isolation_level=None)
    holder.execute("PRAGMA locking_mode=EXCLUSIVE")
    holder.execute("BEGIN EXCLUSIVE")
    try:
        assert main(["report", str(graded)]) == 2
        _one_line(capsys.readouterr().err, "locked")
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert _outputs(graded) == before


def test_a_store_another_program_reads_is_not_locked(
    graded: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(opening, "LOCK_TIMEOUT_S", 0.2)
    reader = sqlite3.connect(graded / STORE_NAME, isolation_level=None)
    reader.execute("BEGIN")
    reader.execute("SELECT COUNT(*) FROM runs").fetchone()
    try:
        assert main(["report", str(graded)]) == 0
    finally:
        reader.close()


def test_a_full_store_is_a_store_error(tmp_path: Path) -> None:
    with Store.in_folder(tmp_path) as store:
        store._db.execute("PRAGMA max_page_count = 12")  # SQLite's own "database or disk is full"
        with pytest.raises(StoreError, match="full"):
            store.put_run(task="task1", file_sha256="a" * 64,
                          outcome=outcome(0, stdout="x" * 200_000))
        assert store.run_indexes(task="task1", file_sha256="a" * 64) == set()


# ------------------------------------------------------------------------- the output folder


@pytest.mark.parametrize("where", ["a file", "below a file"])
def test_an_out_that_is_a_file_or_below_one_exits_2(
    klass: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], where: str
) -> None:
    blocker = tmp_path / "notes.txt"
    blocker.write_text("mine\n")
    out = blocker if where == "a file" else blocker / "report"
    assert _run(klass, out) == 2
    _one_line(capsys.readouterr().err, "grader run: ", "is a file, or lies below one")
    assert blocker.read_text() == "mine\n"


def test_an_out_below_new_folders_is_made(
    klass: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert _run(klass, tmp_path / "a" / "b" / "report") == 0


def test_a_disk_that_fills_while_rendering_exits_2_and_keeps_the_last_report(
    graded: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    before = _outputs(graded)
    written: list[Path] = []
    real = write_atomic

    def full(path: Path, text: str) -> Path:  # the first page fits, then the disk is full
        if written:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(path))
        written.append(path)
        return real(path, text)

    monkeypatch.setattr(render, "write_atomic", full)
    _stored(graded, "DELETE FROM submissions WHERE id = 'bob'")  # a render would drop bob's page
    assert main(["report", str(graded)]) == 2
    _one_line(capsys.readouterr().err, "grader report: ", "No space left on device",
              "left as they were")
    assert _outputs(graded) == before
    assert not list(graded.glob(f"{STAGING_PREFIX}*"))
    monkeypatch.setattr(render, "write_atomic", real)
    assert main(["report", str(graded)]) == 0  # the near miss: the same render with room
    assert "students/bob.html" not in _outputs(graded)


# ----------------------------------------------------- real read-only and full file systems


def _namespace() -> list[str]:
    """The command prefix that gives a private mount namespace, or skip."""
    if shutil.which("unshare") is None:
        pytest.skip("no unshare")
    prefix = ["unshare", "-m"] if os.geteuid() == 0 else ["unshare", "-r", "-m"]
    probe = subprocess.run([*prefix, "mount", "-t", "tmpfs", "none", "/mnt"],
                           capture_output=True, check=False)
    if probe.returncode != 0:
        pytest.skip(f"no private mount namespace here: {probe.stderr.decode().strip()}")
    return prefix


def _grader_in_namespace(script: str, **env: str) -> subprocess.CompletedProcess[str]:
    environment = {**os.environ, "PYTHONPATH": str(ROOT), "PY": sys.executable, **env}
    return subprocess.run([*_namespace(), "sh", "-euc", script], capture_output=True, text=True,
                          env=environment, timeout=120, check=False)


def test_a_read_only_output_folder_exits_2_for_run_and_report(
    graded: Path, klass: Path
) -> None:
    before = _outputs(graded)
    done = _grader_in_namespace(
        'mount --bind "$D" "$D"; mount -o remount,bind,ro "$D"\n'
        'set +e; "$PY" -m grader report "$D"; echo "report=$?"\n'
        '"$PY" -m grader run "$C" --out "$D" --runs 1 --no-analysis; echo "run=$?"\n',
        D=str(graded), C=str(klass),
    )
    assert "report=2" in done.stdout and "run=2" in done.stdout, done
    lines = done.stderr.splitlines()
    assert "Traceback" not in done.stderr and len(lines) == 2, done.stderr
    assert all(line.startswith(("grader report: ", "grader run: ")) for line in lines)
    assert _outputs(graded) == before


@pytest.mark.parametrize("free", ["0", "160k"])
def test_a_full_file_system_exits_2_and_keeps_the_last_report(
    graded: Path, tmp_path: Path, free: str
) -> None:
    mount = tmp_path / "small"
    mount.mkdir()
    done = _grader_in_namespace(
        'mount -t tmpfs -o size=8m tmpfs "$T"; cp -a "$D"/. "$T"/\n'
        'cd "$T"; find . -type f ! -name "grader.sqlite*" -exec sha256sum {} + | sort > "$W/a"\n'
        'head -c 64m /dev/zero > "$T/filler" 2>/dev/null || true\n'
        'truncate -s -"$FREE" "$T/filler"\n'  # room to open the store, not for a report
        'set +e; "$PY" -m grader report "$T"; echo "report=$?"\n'
        'rm "$T/filler"; find . -type f ! -name "grader.sqlite*" -exec sha256sum {} + '
        '| sort > "$W/b"\n'
        '"$PY" -m grader report "$T" > /dev/null; echo "again=$?"\n',
        D=str(graded), T=str(mount), W=str(tmp_path), FREE=free,
    )
    assert "report=2" in done.stdout and "again=0" in done.stdout, done
    assert done.stderr.count("\n") == 1 and "Traceback" not in done.stderr, done.stderr
    assert (tmp_path / "a").read_text() == (tmp_path / "b").read_text()
    assert json.loads((graded / "results.json").read_text())["submissions"]
