"""The orchestrator with a fake executor: planning, storing as runs end, resuming, --fresh."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import jsonschema
import pytest

from grader.pipeline import grade
from grader.records import RunSpec, Verdict
from grader.results import SCHEMA_PATH
from grader.spec import Assignment
from grader.store import ANALYSIS_INDEX, Store
from tests.runtime_fakes import FakeExecutor, facts, outcome


@pytest.fixture
def small_class(tmp_path: Path, repo_root: Path) -> Path:
    """Two students with the reference solutions as their hand-in; one of them lacks task2.

    Solutions, not the originals: an original builds no model, so its static layers.required
    finding would make every task invalid before a run and hide the verdicts under test."""
    root = tmp_path / "class"
    for student, tasks in (("amy", ("task1", "task2")), ("bob", ("task1",))):
        (root / student).mkdir(parents=True)
        for task in tasks:
            shutil.copy(repo_root / "reference" / "solution" / f"{task}.py", root / student)
    return root


def _answer(spec: RunSpec):
    layers = ("Conv2D", "Dense") if spec.task == "task1" else ("GRU", "Dense")
    return outcome(spec.index, error=2.0 + spec.index / 10, isolated=True,
                   facts=facts(layers=layers))


def _grade(assignment: Assignment, paths: list[Path], out: Path, **kw: object):
    fake = FakeExecutor(_answer, interrupt_after=kw.pop("interrupt_after", None))  # type: ignore[arg-type]
    batch = grade(paths=paths, assignment=assignment, out_dir=out, executor=fake, **kw)  # type: ignore[arg-type]
    return batch, fake


def test_runs_every_task_that_exists_and_writes_results(
    assignment: Assignment, small_class: Path, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    batch, fake = _grade(assignment, [small_class], out, runs=2, analysis=False)
    assert sorted((s.submission_id, s.task, s.index) for s in fake.seen) == [
        ("amy", "task1", 0), ("amy", "task1", 1), ("amy", "task2", 0), ("amy", "task2", 1),
    ]  # bob's task1 is the same file as amy's: its runs are shared, not repeated
    assert fake.closed and not batch.interrupted
    by_id = {r.id: r for r in batch.results}
    assert by_id["bob"].tasks["task2"].verdict is Verdict.MISSING
    assert len(by_id["bob"].tasks["task1"].runs) == 2
    document = json.loads((out / "results.json").read_text())
    jsonschema.validate(document, json.loads(SCHEMA_PATH.read_text(encoding="utf-8")))
    assert [s["id"] for s in document["submissions"]] == ["amy", "bob"]
    assert (out / "grades.csv").is_file() and (out / "index.html").is_file()


def test_forced_flags_and_the_analysis_run(
    assignment: Assignment, small_class: Path, tmp_path: Path
) -> None:
    _, fake = _grade(assignment, [small_class / "amy"], tmp_path / "out", runs=1,
                     tasks=["task1"])
    scored, analysis = fake.seen
    assert scored.index == 0 and "show_analysis = False" in scored.script_text
    assert analysis.index == ANALYSIS_INDEX and analysis.analysis
    assert "show_analysis = True" in analysis.script_text
    assert "full_output = False" in analysis.script_text


def test_an_interrupted_batch_resumes_without_repeating_a_run(
    assignment: Assignment, small_class: Path, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    first, fake1 = _grade(assignment, [small_class], out, runs=3, analysis=False,
                          interrupt_after=4)
    assert first.interrupted and first.runs_done == 4 and fake1.closed
    assert any(t.verdict is Verdict.INCOMPLETE for r in first.results for t in r.tasks.values())
    second, fake2 = _grade(assignment, [small_class], out, runs=3, analysis=False)
    done_first = {(s.task, s.index) for s in fake1.seen}
    done_second = {(s.task, s.index) for s in fake2.seen}
    assert not done_first & done_second  # nothing repeated
    assert len(done_first | done_second) == 6  # nothing lost: 2 tasks x 3 runs
    assert second.runs_skipped == 4
    third, fake3 = _grade(assignment, [small_class], out, runs=3, analysis=False)
    assert fake3.seen == [] and third.runs_skipped == 6  # unchanged files never run again
    with Store.in_folder(out) as store:
        assert sum(len(store.runs(task=t.task, file_sha256=t.file_sha256 or ""))
                   for s in store.submissions() for t in s.tasks.values()
                   if s.id == "amy") == 6


def test_fresh_runs_everything_again(
    assignment: Assignment, small_class: Path, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    _grade(assignment, [small_class], out, runs=1, analysis=False)
    _, again = _grade(assignment, [small_class], out, runs=1, analysis=False, fresh=True)
    assert len(again.seen) == 2


def test_a_changed_file_is_run_again(
    assignment: Assignment, small_class: Path, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    _grade(assignment, [small_class / "amy"], out, runs=1, analysis=False)
    task2 = small_class / "amy" / "task2.py"
    task2.write_text(task2.read_text() + "\n# a comment changes the file\n")
    _, again = _grade(assignment, [small_class / "amy"], out, runs=1, analysis=False)
    assert [(s.task, s.index) for s in again.seen] == [("task2", 0)]
