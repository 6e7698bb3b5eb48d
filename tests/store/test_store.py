"""The SQLite store: round trips, one transaction per run, resuming, and sharing by content."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from grader.records import (
    DiffSummary,
    Finding,
    RunStatus,
    Severity,
    SourceFile,
    StaticResult,
    Submission,
)
from grader.store.codec import outcome_to_json, static_to_json
from grader.store.database import ANALYSIS_INDEX, Store
from tests.runtime_fakes import facts, outcome


def _submission(sid: str, sha: str = "a" * 64) -> Submission:
    return Submission(
        id=sid,
        source=f"class/{sid}",
        files={"task1": SourceFile("task1.py", f"class/{sid}/task1.py", sha, "x=1\n")},
    )


def _static() -> dict[str, StaticResult]:
    return {
        "task1": StaticResult(
            "task1",
            (Finding("seed", Severity.VIOLATION, "np.random.seed(1)", "task1.py", 12),),
            DiffSummary(3, 1, "--- a\n+++ b\n"),
        ),
        "task2": StaticResult(
            "task2", (Finding("files.missing", Severity.VIOLATION, "no file"),), None
        ),
    }


def test_class_and_static_results_round_trip(tmp_path: Path) -> None:
    with Store.in_folder(tmp_path) as store:
        store.put_class([_submission("bob"), _submission("amy")], [_static(), _static()])
        stored = store.submissions(kind="student")
    assert [s.id for s in stored] == ["bob", "amy"]  # the intake order is kept
    task1 = stored[0].tasks["task1"]
    assert task1.file_sha256 == "a" * 64
    assert task1.static == _static()["task1"]
    assert stored[0].tasks["task2"].file_sha256 is None


def test_a_new_batch_merges_into_the_class_and_keeps_runs(tmp_path: Path) -> None:
    with Store.in_folder(tmp_path) as store:
        store.put_class([_submission("bob")], [_static()])
        store.put_run(task="task1", file_sha256="a" * 64, outcome=outcome(0))
        store.put_class([_submission("amy")], [_static()])
        # a later batch (one late student) adds to the class: bob stays, amy goes at the end
        assert [s.id for s in store.submissions()] == ["bob", "amy"]
        # amy handed in the same file: bob's run is hers too
        assert store.run_indexes(task="task1", file_sha256="a" * 64) == {0}


def test_a_batch_of_some_tasks_replaces_only_those_tasks(tmp_path: Path) -> None:
    with Store.in_folder(tmp_path) as store:
        store.put_class(
            [_submission("bob"), _submission("amy")],
            [_static(), _static()],
            runs_expected=5,
            conditions="c5",
        )
        task1_only = {"task1": StaticResult("task1", (), DiffSummary(1, 0, ""))}
        store.put_class(
            [_submission("bob", sha="b" * 64)], [task1_only], runs_expected=2, conditions="c2"
        )
        bob, amy = store.submissions()
    assert (bob.id, amy.id) == ("bob", "amy")  # bob keeps his place
    assert bob.tasks["task1"].file_sha256 == "b" * 64 and bob.tasks["task1"].static.findings == ()
    assert (bob.tasks["task1"].runs_expected, bob.tasks["task1"].conditions) == (2, "c2")
    assert bob.tasks["task2"].static == _static()["task2"]  # the task not graded again stays
    assert (bob.tasks["task2"].runs_expected, bob.tasks["task2"].conditions) == (5, "c5")
    assert (amy.tasks["task1"].runs_expected, amy.tasks["task1"].conditions) == (5, "c5")


def test_runs_are_kept_apart_by_their_conditions(tmp_path: Path) -> None:
    sha = "c" * 64
    timed_out = outcome(0, status=RunStatus.TIMEOUT)
    with Store.in_folder(tmp_path) as store:
        store.put_run(task="task1", file_sha256=sha, outcome=timed_out, conditions="timeout30")
        store.put_run(task="task1", file_sha256=sha, outcome=outcome(1), conditions="timeout30")
        assert store.run_indexes(task="task1", file_sha256=sha, conditions="timeout600") == set()
        store.put_run(task="task1", file_sha256=sha, outcome=outcome(0), conditions="timeout600")
        assert store.runs(task="task1", file_sha256=sha, conditions="timeout600") == [outcome(0)]
        assert store.runs(task="task1", file_sha256=sha, conditions="timeout30") == [
            timed_out,
            outcome(1),
        ]
        store.forget_runs([("task1", sha)])  # --fresh: under every condition
        assert store.run_indexes(task="task1", file_sha256=sha, conditions="timeout30") == set()


def test_a_run_the_grader_failed_to_make_is_never_stored(tmp_path: Path) -> None:
    failed = outcome(0, status=RunStatus.FAILED, grader_error=True, note="grader error: boom")
    with Store.in_folder(tmp_path) as store, pytest.raises(ValueError, match="not stored"):
        store.put_run(task="task1", file_sha256="d" * 64, outcome=failed)


def test_a_version_1_store_is_migrated_and_keeps_its_runs(tmp_path: Path) -> None:
    db = sqlite3.connect(tmp_path / "grader.sqlite")
    db.executescript("""
        CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
        INSERT INTO meta VALUES ('schema_version', '1');
        CREATE TABLE submissions (id TEXT PRIMARY KEY, position INTEGER NOT NULL,
            source TEXT NOT NULL, sha256 TEXT NOT NULL, kind TEXT NOT NULL DEFAULT 'student');
        CREATE TABLE task_files (submission_id TEXT NOT NULL, task TEXT NOT NULL,
            file_sha256 TEXT, static_json TEXT NOT NULL, PRIMARY KEY (submission_id, task));
        CREATE TABLE runs (task TEXT NOT NULL, file_sha256 TEXT NOT NULL, idx INTEGER NOT NULL,
            outcome_json TEXT NOT NULL, figure BLOB,
            finished_at TEXT NOT NULL DEFAULT (datetime('now')),
            PRIMARY KEY (task, file_sha256, idx));
    """)
    db.execute("INSERT INTO submissions VALUES ('bob', 0, 'class/bob', 'x', 'student')")
    db.execute(
        "INSERT INTO task_files VALUES ('bob', 'task1', ?, ?)",
        ("a" * 64, json.dumps(static_to_json(_static()["task1"]))),
    )
    db.execute(
        "INSERT INTO runs (task, file_sha256, idx, outcome_json) VALUES (?, ?, 0, ?)",
        ("task1", "a" * 64, json.dumps(outcome_to_json(outcome(0)))),
    )
    db.commit()
    db.close()
    with Store.in_folder(tmp_path) as store:
        (bob,) = store.submissions()
        task = bob.tasks["task1"]
        assert (task.runs_expected, task.conditions) == (None, "")
        assert store.runs(task="task1", file_sha256="a" * 64, conditions="") == [outcome(0)]
        store.put_run(task="task1", file_sha256="a" * 64, outcome=outcome(0), conditions="new")
    with Store.in_folder(tmp_path) as store:  # opened again: nothing to migrate
        assert store.run_indexes(task="task1", file_sha256="a" * 64, conditions="new") == {0}


def test_runs_round_trip_and_figures_are_kept_apart(tmp_path: Path) -> None:
    run = outcome(1, status=RunStatus.OK, facts=facts(seed_calls=("random.seed(3)",)))
    analysis = outcome(ANALYSIS_INDEX, facts=facts(figure_png=b"\x89PNG..."))
    with Store.in_folder(tmp_path) as store:
        store.put_run(task="task1", file_sha256="f" * 64, outcome=run)
        store.put_run(task="task1", file_sha256="f" * 64, outcome=analysis)
        assert store.runs(task="task1", file_sha256="f" * 64) == [run]  # analysis excluded
        assert store.figure(task="task1", file_sha256="f" * 64) == b"\x89PNG..."
        assert store.run_indexes(task="task1", file_sha256="f" * 64) == {1, ANALYSIS_INDEX}
        store.forget_runs([("task1", "f" * 64)])
        assert store.run_indexes(task="task1", file_sha256="f" * 64) == set()


def test_a_second_connection_sees_each_run_as_soon_as_it_is_stored(tmp_path: Path) -> None:
    with Store.in_folder(tmp_path) as store:
        store.put_run(task="task2", file_sha256="b" * 64, outcome=outcome(0))
        reader = sqlite3.connect(tmp_path / "grader.sqlite")
        assert reader.execute("SELECT COUNT(*) FROM runs").fetchone()[0] == 1
        reader.close()


def test_meta_round_trips(tmp_path: Path) -> None:
    with Store.in_folder(tmp_path) as store:
        store.set_meta(settings={"runs": 5}, assignment="A3")
    with Store.in_folder(tmp_path) as store:
        assert store.meta() == {"settings": {"runs": 5}, "assignment": "A3"}
