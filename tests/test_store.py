"""The SQLite store: round trips, one transaction per run, resuming, and sharing by content."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from grader.records import (
    DiffSummary,
    Finding,
    RunStatus,
    Severity,
    SourceFile,
    StaticResult,
    Submission,
)
from grader.store import ANALYSIS_INDEX, Store
from tests.runtime_fakes import facts, outcome


def _submission(sid: str, sha: str = "a" * 64) -> Submission:
    return Submission(id=sid, source=f"class/{sid}",
                      files={"task1": SourceFile("task1.py", f"class/{sid}/task1.py", sha, "x=1\n")})


def _static() -> dict[str, StaticResult]:
    return {
        "task1": StaticResult("task1", (Finding("seed", Severity.VIOLATION, "np.random.seed(1)",
                                                "task1.py", 12),),
                              DiffSummary(3, 1, "--- a\n+++ b\n")),
        "task2": StaticResult("task2", (Finding("files.missing", Severity.VIOLATION, "no file"),),
                              None),
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


def test_a_new_class_replaces_the_old_list_but_keeps_runs(tmp_path: Path) -> None:
    with Store.in_folder(tmp_path) as store:
        store.put_class([_submission("bob")], [_static()])
        store.put_run(task="task1", file_sha256="a" * 64, outcome=outcome(0))
        store.put_class([_submission("amy")], [_static()])
        assert [s.id for s in store.submissions()] == ["amy"]
        # amy handed in the same file: bob's run is hers too
        assert store.run_indexes(task="task1", file_sha256="a" * 64) == {0}


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
