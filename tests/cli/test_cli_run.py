"""``grader run`` / ``reference`` / ``report`` as a user runs them, with a fake executor: exit
codes, messages, interrupts at every stage, and what the terminal shows (student ids never as
markup)."""

from __future__ import annotations

import io
import shutil
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

import pytest
from rich.console import Console

from grader import pipeline
from grader.cli import main
from grader.cli.console import RunProgress, summary_table
from grader.intake.bulk import ClassIntake, IntakeOptions
from grader.intake.bulk import read_class as real_read_class
from grader.records import (
    RunOutcome,
    RunSpec,
    RunStatus,
    SubmissionResult,
    TaskResult,
    Verdict,
)
from grader.run import planning
from grader.run.machine import usable_cores
from grader.spec import Assignment
from tests.runtime_fakes import FakeExecutor, facts, outcome

RESUME = "run the same command again to resume"


def _answer(spec: RunSpec) -> RunOutcome:
    layers = ("Conv2D", "Dense") if spec.task == "task1" else ("GRU", "Dense")
    return outcome(spec.index, error=2.0, isolated=True, facts=facts(layers=layers))


@pytest.fixture
def klass(tmp_path: Path, repo_root: Path) -> Path:
    root = tmp_path / "class" / "amy"
    root.mkdir(parents=True)
    for task in ("task1", "task2"):
        shutil.copy(repo_root / "reference" / "solution" / f"{task}.py", root)
    return root.parent


@pytest.fixture
def fakes(monkeypatch: pytest.MonkeyPatch) -> list[tuple[planning.Settings, FakeExecutor]]:
    """Every executor the CLI asks for is a FakeExecutor; the settings it was asked with."""
    made: list[tuple[planning.Settings, FakeExecutor]] = []

    def executor(settings: planning.Settings) -> FakeExecutor:
        made.append((settings, FakeExecutor(_answer)))
        return made[-1][1]

    monkeypatch.setattr(pipeline, "make_executor", executor)
    return made


def _interrupt(*args: object, **kwargs: object) -> None:
    raise KeyboardInterrupt


def _run(klass: Path, out: Path, *extra: str) -> int:
    return main(["run", str(klass), "--out", str(out), "--runs", "1", "--no-analysis", *extra])


# ------------------------------------------------------------------------------ arguments


@pytest.mark.parametrize("timeout", ["0", "-1", "nan", "inf"])
def test_a_timeout_must_be_above_zero(
    klass: Path, tmp_path: Path, timeout: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert _run(klass, tmp_path / "out", "--timeout", timeout) == 2
    assert "--timeout must be a number of seconds above 0" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


def test_jobs_default_to_the_cores_divided_by_the_threads_per_run(
    klass: Path,
    tmp_path: Path,
    fakes: list[tuple[planning.Settings, FakeExecutor]],
    assignment: Assignment,
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert _run(klass, tmp_path / "out") == 0
    assert main(["reference", "--out", str(tmp_path / "out"), "--runs", "1", "--no-analysis"]) == 0
    expected = max(1, usable_cores() // assignment.limits.threads)
    assert [(s.jobs, s.threads) for s, _ in fakes] == [(expected, 1), (expected, 1)]
    assert "exceed" not in capsys.readouterr().err


def test_more_jobs_than_the_cores_hold_warn_in_one_printed_line(
    klass: Path,
    tmp_path: Path,
    fakes: list[tuple[planning.Settings, FakeExecutor]],
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert _run(klass, tmp_path / "out", "--jobs", str(usable_cores() + 1)) == 0
    warnings = [line for line in capsys.readouterr().err.splitlines() if "exceed" in line]
    assert len(warnings) == 1 and "thread(s) per run" in warnings[0]
    assert fakes[0][0].threads == 1  # the threads per run do not follow --jobs


def test_an_unreachable_scheduler_exits_2_with_a_message(
    klass: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    dask = pytest.importorskip("dask")
    with dask.config.set({"distributed.comm.timeouts.connect": "1s"}):
        assert _run(klass, tmp_path / "out", "--scheduler", "tcp://127.0.0.1:9") == 2
        assert _run(klass, tmp_path / "out", "--scheduler", "nonsense://x") == 2
    err = capsys.readouterr().err
    assert err.count("cannot reach the Dask scheduler") == 2 and "Traceback" not in err
    assert not (tmp_path / "out" / "grader.sqlite").exists()


# ------------------------------------------------------------------------------ grader errors


def test_runs_the_grader_failed_to_make_exit_1_and_are_made_next_time(
    klass: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    failing = FakeExecutor(_answer, fail=lambda spec: spec.task == "task2")
    monkeypatch.setattr(pipeline, "make_executor", lambda settings: failing)
    assert _run(klass, tmp_path / "out") == 1
    captured = capsys.readouterr()
    assert "1 run(s) failed in the grader itself" in captured.err
    assert "grader error: RuntimeError: the worker went away" in captured.out  # the progress line
    again = FakeExecutor(_answer)
    monkeypatch.setattr(pipeline, "make_executor", lambda settings: again)
    assert _run(klass, tmp_path / "out") == 0
    assert [(s.task, s.index) for s in again.seen] == [("task2", 0)]


# ----------------------------------------------------------------- interrupts at every stage


@pytest.mark.parametrize("stage", ["read_class", "check_submission", "plan_runs", "_render"])
def test_an_interrupt_at_any_stage_says_how_to_resume_and_exits_130(
    klass: Path,
    tmp_path: Path,
    fakes: list[tuple[planning.Settings, FakeExecutor]],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    stage: str,
) -> None:
    out = tmp_path / "out"
    with monkeypatch.context() as patch:
        patch.setattr(pipeline, stage, _interrupt)
        assert _run(klass, out) == 130
    captured = capsys.readouterr()
    assert RESUME in captured.out and "Traceback" not in captured.err
    assert all(fake.closed for _, fake in fakes)
    assert _run(klass, out) == 0  # the same command again: the store is consistent
    assert (out / "results.json").is_file()


def test_an_interrupt_while_closing_the_executor_exits_130(
    klass: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    fake = FakeExecutor(_answer, interrupt_on_close=True)
    monkeypatch.setattr(pipeline, "make_executor", lambda settings: fake)
    assert _run(klass, tmp_path / "out") == 130
    assert RESUME in capsys.readouterr().out and fake.closed


def test_an_interrupt_while_loading_the_spec_exits_130(
    klass: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    import grader.spec

    monkeypatch.setattr(grader.spec, "load_assignment", _interrupt)
    assert _run(klass, tmp_path / "out") == 130
    assert main(["reference", "--out", str(tmp_path / "out")]) == 130
    captured = capsys.readouterr()
    assert (captured.out + captured.err).count(RESUME) == 2


# ------------------------------------------------------------------------------ grader report


def test_report_with_a_broken_original_exits_2(
    klass: Path,
    tmp_path: Path,
    repo_root: Path,
    fakes: list[tuple[planning.Settings, FakeExecutor]],
    capsys: pytest.CaptureFixture[str],
) -> None:
    out = tmp_path / "out"
    assert _run(klass, out) == 0
    broken = tmp_path / "broken_task1.py"
    broken.write_text("print('no provided regions here')\n")
    text = (repo_root / "assignment.toml").read_text()
    text = text.replace('"reference/original/task1.py"', f'"{broken}"')
    for relative in (
        "data/dataset.txt",
        "reference/original/task2.py",
        "reference/solution/task1.py",
        "reference/solution/task2.py",
    ):
        text = text.replace(f'"{relative}"', f'"{repo_root / relative}"')
    spec = tmp_path / "assignment.toml"
    spec.write_text(text)
    capsys.readouterr()
    assert main(["report", str(out), "--assignment", str(spec)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("grader report: ") and "Traceback" not in err


def test_report_on_a_broken_store_exits_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "grader.sqlite").write_bytes(b"not a database at all, " * 100)
    assert main(["report", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert "not a database" in err and err.count("\n") == 1


# ---------------------------------------------------------------------------- the terminal

MARKUP_IDS = ["s2[/]", "[bold]eve", "x[/bold]", "dan\\"]


def _console() -> tuple[Console, io.StringIO]:
    buffer = io.StringIO()
    return Console(file=buffer, width=200, highlight=False, color_system=None), buffer


@pytest.mark.parametrize("student", MARKUP_IDS)
def test_progress_prints_student_ids_as_they_are(student: str) -> None:
    console, buffer = _console()
    progress = RunProgress(console)
    progress.start(total=2, skipped=0)
    spec = RunSpec(
        submission_id=student,
        task="task1",
        index=0,
        script_name="task1.py",
        script_text="",
        script_sha256="0" * 64,
        dataset_path="d",
        dataset_sha256="0",
        timeout_s=1.0,
        memory_mb=1,
        output_kb=1,
        processes=1,
        threads=1,
    )
    progress.advance(spec, outcome(0, status=RunStatus.FAILED, note="exit [1]"))
    progress.advance(spec, outcome(0))
    progress.stop()
    assert f"{student} task1 run 1: failed (exit [1])" in buffer.getvalue()


@pytest.mark.parametrize("student", MARKUP_IDS)
def test_the_summary_table_shows_student_ids_as_they_are(student: str) -> None:
    console, buffer = _console()
    task = TaskResult(task="task1", verdict=Verdict.VALID, findings=())
    console.print(
        summary_table([SubmissionResult(student, "src", "0", {"task1": task})], title="t")
    )
    assert student in buffer.getvalue()


def test_a_run_with_a_markup_id_does_not_abort_the_batch(
    tmp_path: Path,
    klass: Path,
    fakes: list[tuple[planning.Settings, FakeExecutor]],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    def read_class(paths: Sequence[Path], *, assignment: Assignment,
                   options: IntakeOptions | None = None) -> ClassIntake:
        read = real_read_class(paths, assignment=assignment, options=options)
        return replace(read, submissions=[replace(s, id="s2[/]") for s in read.submissions])

    def failed(spec: RunSpec) -> RunOutcome:
        return outcome(spec.index, status=RunStatus.FAILED, stdout="", note="exit 1")

    monkeypatch.setattr(pipeline, "read_class", read_class)
    monkeypatch.setattr(pipeline, "make_executor", lambda settings: FakeExecutor(failed))
    assert _run(klass, tmp_path / "out") == 0
    assert "s2[/] task1 run 1: failed" in capsys.readouterr().out
