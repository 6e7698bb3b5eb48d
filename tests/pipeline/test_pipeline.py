"""The orchestrator with a fake executor: planning, storing as runs end, resuming, --fresh."""

from __future__ import annotations

import json
import re
import shutil
from dataclasses import replace
from pathlib import Path

import jsonschema
import pytest

from grader import pipeline
from grader.pipeline import Batch, grade
from grader.records import RunOutcome, RunSpec, RunStatus, Verdict
from grader.report.results_json import SCHEMA_PATH
from grader.run import planning
from grader.run.machine import usable_cores
from grader.spec import Assignment, SpecError, load_assignment
from grader.store.database import ANALYSIS_INDEX, Store
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


def _answer(spec: RunSpec) -> RunOutcome:
    layers = ("Conv2D", "Dense") if spec.task == "task1" else ("GRU", "Dense")
    return outcome(spec.index, error=2.0 + spec.index / 10, isolated=True,
                   facts=facts(layers=layers))


FAKE_OPTIONS = ("interrupt_after", "isolation_kind", "fail", "interrupt_on_close", "answer")


def _grade(
    assignment: Assignment, paths: list[Path], out: Path, **kw: object
) -> tuple[Batch, FakeExecutor]:
    options = {k: kw.pop(k) for k in FAKE_OPTIONS if k in kw}
    fake = FakeExecutor(options.pop("answer", _answer), **options)  # type: ignore[arg-type]
    batch = grade(paths=paths, assignment=assignment, out_dir=out, executor=fake, **kw)  # type: ignore[arg-type]
    return batch, fake


def _results(out: Path) -> dict[str, dict]:  # type: ignore[type-arg]
    document = json.loads((out / "results.json").read_text())
    return {s["id"]: s["tasks"] for s in document["submissions"]}


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
        assert sum(len(store.runs(task=t.task, file_sha256=t.file_sha256 or "",
                                  conditions=t.conditions))
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


# ------------------------------------------------------------- a folder accumulates (merging)


def test_a_batch_of_one_task_keeps_the_other_task_of_everyone(
    assignment: Assignment, small_class: Path, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    _grade(assignment, [small_class], out, runs=2, analysis=False)
    batch, fake = _grade(assignment, [small_class], out, runs=2, analysis=False,
                         tasks=["task1"])
    assert fake.seen == []  # task1's runs were all stored
    results = _results(out)
    assert sorted(results["amy"]) == ["task1", "task2"]
    assert results["amy"]["task2"]["verdict"] == "high_performance"
    assert len(results["amy"]["task2"]["runs"]) == 2
    assert {r.id: sorted(r.tasks) for r in batch.results} == {
        "amy": ["task1", "task2"], "bob": ["task1", "task2"]}


def test_a_late_student_graded_alone_keeps_the_rest_of_the_class(
    assignment: Assignment, small_class: Path, tmp_path: Path, repo_root: Path
) -> None:
    out = tmp_path / "out"
    _grade(assignment, [small_class], out, runs=1, analysis=False)
    late = tmp_path / "late" / "cat"
    late.mkdir(parents=True)
    shutil.copy(repo_root / "reference" / "solution" / "task2.py", late)
    batch, _ = _grade(assignment, [late], out, runs=1, analysis=False)
    assert [r.id for r in batch.results] == ["amy", "bob", "cat"]
    assert list(_results(out)) == ["amy", "bob", "cat"]
    assert _results(out)["bob"]["task1"]["verdict"] == "high_performance"
    pages = {p.name for p in (out / "students").glob("*.html")}
    assert {"amy.html", "bob.html", "cat.html"} <= pages  # the others' pages are not stale


# ---------------------------------------------------- each task judged on its own batch's runs


def test_grading_the_reference_never_changes_how_the_class_is_judged(
    assignment: Assignment, small_class: Path, tmp_path: Path, repo_root: Path
) -> None:
    out = tmp_path / "out"
    _grade(assignment, [small_class], out, runs=3, analysis=False)
    reference, _ = _grade(assignment, [repo_root / "reference" / "solution"], out, runs=1,
                          analysis=False, kind="reference")
    assert [len(t.runs) for r in reference.results for t in r.tasks.values()] == [1, 1]
    for tasks in _results(out).values():  # the students: still on their 3 runs
        assert [len(t["runs"]) for t in tasks.values() if t["verdict"] != "missing"] in (
            [3, 3], [3])
        assert all(t["verdict"] != "incomplete" for t in tasks.values())
    with Store.in_folder(out) as store:
        meta = store.meta()
    assert meta["settings"]["runs"] == 3 and meta["reference_settings"]["runs"] == 1


def test_a_batch_stopped_before_its_runs_start_changes_nothing(
    assignment: Assignment, small_class: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "out"
    _grade(assignment, [small_class], out, runs=3, analysis=False)
    with Store.in_folder(out) as store:
        before = (store.meta(), store.submissions())

    def interrupted(*args: object, **kwargs: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(pipeline, "plan_runs", interrupted)
    batch, fake = _grade(assignment, [small_class], out, runs=1, analysis=False, timeout=30)
    assert batch.interrupted and fake.seen == [] and fake.closed
    with Store.in_folder(out) as store:
        assert (store.meta(), store.submissions()) == before


# ------------------------------------------------------------------------ run conditions


def test_runs_made_under_another_timeout_are_made_again_not_mixed(
    assignment: Assignment, small_class: Path, tmp_path: Path
) -> None:
    out = tmp_path / "out"

    def timed_out(spec: RunSpec) -> RunOutcome:
        return outcome(spec.index, status=RunStatus.TIMEOUT, stdout="", note="killed after 30 s")

    _grade(assignment, [small_class / "amy"], out, runs=2, analysis=False, timeout=30,
           answer=timed_out)
    assert _results(out)["amy"]["task1"]["verdict"] == "invalid"
    # the normal limit again, interrupted after one run: the 30 s runs do not count
    first, _ = _grade(assignment, [small_class / "amy"], out, runs=2, analysis=False,
                      interrupt_after=1)
    assert first.runs_skipped == 0
    task1 = _results(out)["amy"]["task1"]
    assert [r["status"] for r in task1["runs"]] == ["ok"] and task1["verdict"] == "incomplete"
    second, fake = _grade(assignment, [small_class / "amy"], out, runs=2, analysis=False)
    assert len(fake.seen) == 3 and second.runs_skipped == 1
    assert {t["verdict"] for t in _results(out)["amy"].values()} == {"high_performance"}


def test_runs_made_under_another_isolation_are_made_again(
    assignment: Assignment, small_class: Path, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    _grade(assignment, [small_class / "amy"], out, runs=1, analysis=False,
           isolation_kind="none")
    _, same = _grade(assignment, [small_class / "amy"], out, runs=1, analysis=False,
                     isolation_kind="none", jobs=2)
    assert same.seen == []  # --jobs is not a run condition: threads per run are the spec's
    _, again = _grade(assignment, [small_class / "amy"], out, runs=1, analysis=False,
                      isolation_kind="bubblewrap")
    assert sorted(s.task for s in again.seen) == ["task1", "task2"]


def test_the_fingerprint_covers_every_run_condition(assignment: Assignment) -> None:
    settings = planning.make_settings(assignment=assignment, runs=None, jobs=1, tasks=None,
                                      timeout=None, analysis=True, scheduler=None)
    conditions = planning.run_conditions(settings, assignment, isolation="bubblewrap")
    assert set(conditions) == {"hard_timeout_s", "memory_mb", "processes", "output_kb",
                               "threads_per_run", "isolation", "dataset_sha256", "facts_version",
                               "disk_mb", "inodes"}
    base = planning.fingerprint(conditions)
    for key in conditions:
        assert planning.fingerprint({**conditions, key: "other"}) != base, key
    # the spec's 600 and --timeout 600 are the same condition
    explicit = planning.make_settings(assignment=assignment, runs=None, jobs=4, tasks=None,
                                      timeout=600.0, analysis=False, scheduler=None)
    assert planning.fingerprint(
        planning.run_conditions(explicit, assignment, isolation="bubblewrap")) == base


@pytest.mark.parametrize("timeout", [0.0, -5.0, float("nan"), float("inf")])
def test_a_timeout_must_be_above_zero(assignment: Assignment, timeout: float) -> None:
    with pytest.raises(planning.GradingError, match="--timeout"):
        planning.make_settings(assignment=assignment, runs=None, jobs=1, tasks=None,
                               timeout=timeout, analysis=True, scheduler=None)


# ------------------------------------------------------------------------------- --fresh


def test_fresh_with_one_task_keeps_the_other_tasks_runs(
    assignment: Assignment, small_class: Path, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    _grade(assignment, [small_class], out, runs=1, analysis=False)
    _, fresh = _grade(assignment, [small_class], out, runs=1, analysis=False, fresh=True,
                      tasks=["task1"])
    assert [(s.task, s.index) for s in fresh.seen] == [("task1", 0)]
    _, after = _grade(assignment, [small_class], out, runs=1, analysis=False)
    assert after.seen == []  # task2's runs are still there


# -------------------------------------------------------------------- the isolation warning


def test_the_not_isolated_warning_survives_a_resume(
    assignment: Assignment, small_class: Path, tmp_path: Path
) -> None:
    out = tmp_path / "out"

    def unisolated(spec: RunSpec) -> RunOutcome:
        return replace(_answer(spec), isolated=False)

    first, _ = _grade(assignment, [small_class], out, runs=2, analysis=False, answer=unisolated,
                      interrupt_after=2)
    assert first.interrupted
    assert "2 run(s) were not isolated" in (out / "index.html").read_text()
    _grade(assignment, [small_class], out, runs=2, analysis=False, answer=unisolated)
    assert "4 run(s) were not isolated" in (out / "index.html").read_text()
    _, fake = _grade(assignment, [small_class], out, runs=2, analysis=False, answer=unisolated)
    assert fake.seen == []  # nothing made in this batch, the warning stays
    assert "4 run(s) were not isolated" in (out / "index.html").read_text()


# ---------------------------------------------------------------------- threads and --jobs


def test_threads_per_run_come_from_the_spec_whatever_the_jobs(
    assignment: Assignment, small_class: Path, tmp_path: Path
) -> None:
    assert assignment.limits.threads == 1
    for jobs in (1, 2, 64):
        _, fake = _grade(assignment, [small_class / "amy"], tmp_path / f"out{jobs}", runs=1,
                         analysis=False, jobs=jobs)
        assert {s.threads for s in fake.seen} == {assignment.limits.threads}
    settings = planning.make_settings(assignment=assignment, runs=None, jobs=None, tasks=None,
                                      timeout=None, analysis=True, scheduler=None)
    assert settings.jobs == max(1, usable_cores() // assignment.limits.threads)


def test_jobs_beyond_the_cores_warn_in_one_line(assignment: Assignment) -> None:
    cores = usable_cores()
    assert planning.oversubscribed(jobs=cores, assignment=assignment) == ""
    warning = planning.oversubscribed(jobs=cores + 1, assignment=assignment)
    assert "exceed" in warning and "\n" not in warning


@pytest.mark.parametrize("threads", ["0", "-1", "1.5", "true"])
def test_the_spec_rejects_threads_that_are_not_a_positive_number(
    tmp_path: Path, repo_root: Path, threads: str
) -> None:
    text = (repo_root / "assignment.toml").read_text()
    text = re.sub(r"(?m)^threads = \d+", f"threads = {threads}", text)
    for relative in ("data/dataset.txt", "reference/original/task1.py",
                     "reference/original/task2.py", "reference/solution/task1.py",
                     "reference/solution/task2.py"):
        text = text.replace(f'"{relative}"', f'"{repo_root / relative}"')
    spec = tmp_path / "assignment.toml"
    spec.write_text(text)
    with pytest.raises(SpecError, match="threads"):
        load_assignment(spec)


# --------------------------------------------------------------------------- grader errors


def test_a_run_the_grader_failed_to_make_is_not_stored_and_made_next_time(
    assignment: Assignment, small_class: Path, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    batch, fake = _grade(assignment, [small_class], out, runs=2, analysis=False,
                         fail=lambda spec: (spec.task, spec.index) == ("task2", 1))
    assert len(fake.seen) == 4 and batch.runs_done == 3 and batch.grader_errors == 1
    assert not batch.interrupted
    assert _results(out)["amy"]["task2"]["verdict"] == "incomplete"
    again, fake2 = _grade(assignment, [small_class], out, runs=2, analysis=False)
    assert [(s.task, s.index) for s in fake2.seen] == [("task2", 1)]
    assert again.grader_errors == 0
    assert _results(out)["amy"]["task2"]["verdict"] == "high_performance"


# -------------------------------------------------------------- interrupts outside the runs


@pytest.mark.parametrize("where", ["read_class", "check_submission"])
def test_an_interrupt_before_the_runs_stops_cleanly(
    assignment: Assignment, small_class: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    where: str,
) -> None:
    def interrupted(*args: object, **kwargs: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(pipeline, where, interrupted)
    batch, fake = _grade(assignment, [small_class], tmp_path / "out", runs=1)
    assert batch.interrupted and fake.closed and fake.seen == []
    assert not (tmp_path / "out" / "grader.sqlite").exists()


def test_an_interrupt_while_closing_the_executor_closes_it_all_the_same(
    assignment: Assignment, small_class: Path, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    batch, fake = _grade(assignment, [small_class], out, runs=1, analysis=False,
                         interrupt_on_close=True)
    assert batch.interrupted and fake.closed and batch.runs_done == 2
    assert (out / "results.json").is_file()  # still rendered from the store
    again, fake2 = _grade(assignment, [small_class], out, runs=1, analysis=False)
    assert fake2.seen == [] and not again.interrupted


def test_an_interrupt_while_rendering_leaves_the_store_whole(
    assignment: Assignment, small_class: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import grader.report

    out = tmp_path / "out"

    def interrupted(*args: object, **kwargs: object) -> None:
        raise KeyboardInterrupt

    with monkeypatch.context() as patch:
        patch.setattr(grader.report, "render_report", interrupted)
        batch, _ = _grade(assignment, [small_class], out, runs=1, analysis=False)
    assert batch.interrupted and batch.runs_done == 2
    again, fake = _grade(assignment, [small_class], out, runs=1, analysis=False)
    assert fake.seen == [] and again.runs_skipped == 2 and (out / "index.html").is_file()


# ---------------------------------------------------------------- the executors feeding it


def test_the_local_executor_yields_a_grader_error_instead_of_raising() -> None:
    from grader.run.local import LocalExecutor
    from grader.sandbox.isolation import NO_ISOLATION
    from tests.sandbox_scripts import script_spec

    clean = script_spec("clean.py")
    broken = replace(clean, index=1, script_name="no/such/folder/task1.py")
    with LocalExecutor(jobs=1, threads=1, isolation=NO_ISOLATION, harness_child=False) as local:
        done = {spec.index: result for spec, result in local.run([broken, clean])}
        assert local.isolation_kind == "none"
    assert done[1].grader_error and done[1].status is RunStatus.FAILED
    assert done[1].note.startswith("grader error: FileNotFoundError")
    assert done[0].status is RunStatus.OK and not done[0].grader_error  # the batch went on


def test_core_sets_come_from_the_usable_cores(monkeypatch: pytest.MonkeyPatch) -> None:
    from grader.run import local

    monkeypatch.setattr(local, "usable_core_ids", lambda: [3, 5])
    assert local.core_sets(2) == [(3,), (5,)]
    assert local.core_sets(1, size=1) == [(3,)]


def test_core_sets_of_the_threads_per_run_whatever_the_jobs() -> None:
    from grader.run.local import core_sets

    assert core_sets(1, [0, 1, 2, 3], size=1) == [(0,)]
    assert core_sets(2, [0, 1, 2, 3], size=1) == [(0,), (1,)]
    assert core_sets(2, [0, 1, 2, 3], size=2) == [(0, 1), (2, 3)]
    assert core_sets(3, [0, 1], size=1) == [(0,), (1,), (0,)]  # shared only when too few
    assert core_sets(3, [0, 1, 2, 3], size=2) == [(0, 1), (2, 3), (0, 1)]
    assert core_sets(1, [0, 1], size=8) == [(0, 1)]
