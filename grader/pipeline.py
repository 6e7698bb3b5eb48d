"""The orchestrator of ``grader run``: intake -> static checks -> runs -> store -> results.

Data flows one way. Every finished run is stored at once (one transaction), so an interrupted
batch loses only the runs that were going and the same command resumes where it stopped. Runs
already in the store (same task, same file content, same index) are never repeated.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

from grader import __version__
from grader.checking import check_submission
from grader.flags import force_flags
from grader.intake import discover
from grader.machine import describe_machine, usable_cores
from grader.original import parse_original
from grader.records import (
    ReportMeta,
    RunOutcome,
    RunSpec,
    StaticResult,
    Submission,
    SubmissionResult,
)
from grader.results import build_results, results_document, write_results_json
from grader.spec import Assignment
from grader.store import ANALYSIS_INDEX, Store

log = logging.getLogger(__name__)


class GradingError(RuntimeError):
    """The grader cannot start (its own materials are broken); never raised for a student's code."""


class Progress(Protocol):
    """Where the pipeline reports progress; the CLI shows a bar, tests pass nothing."""

    def start(self, *, total: int, skipped: int) -> None: ...

    def advance(self, spec: RunSpec, outcome: RunOutcome) -> None: ...

    def stop(self) -> None: ...


class _Silent:
    def start(self, *, total: int, skipped: int) -> None:
        pass

    def advance(self, spec: RunSpec, outcome: RunOutcome) -> None:
        pass

    def stop(self) -> None:
        pass


@dataclass(frozen=True)
class Settings:
    runs: int
    jobs: int
    tasks: tuple[str, ...]
    timeout_s: float
    threads: int
    analysis: bool
    scheduler: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "runs": self.runs, "jobs": self.jobs, "tasks": list(self.tasks),
            "timeout_s": self.timeout_s, "threads_per_run": self.threads,
            "analysis": self.analysis, "scheduler": self.scheduler,
        }


@dataclass
class Batch:
    """What one ``grade`` call did: the runs it made and kept, and the results it wrote."""

    out_dir: Path
    results: list[SubmissionResult] = field(default_factory=list)
    runs_done: int = 0
    runs_skipped: int = 0
    interrupted: bool = False


def make_settings(
    *, assignment: Assignment, runs: int | None, jobs: int, tasks: Sequence[str] | None,
    timeout: float | None, analysis: bool, scheduler: str | None,
) -> Settings:
    known = [t.id for t in assignment.tasks]
    chosen = tuple(tasks) if tasks else tuple(known)
    unknown = [t for t in chosen if t not in known]
    if unknown:
        raise GradingError(f"unknown task(s) {', '.join(unknown)}; the assignment has {known}")
    if (runs is not None and runs < 1) or jobs < 1:
        raise GradingError("--runs and --jobs must be at least 1")
    threads = assignment.limits.threads or max(1, usable_cores() // jobs)
    return Settings(
        runs=runs or assignment.runs, jobs=jobs, tasks=chosen,
        timeout_s=timeout or assignment.limits.hard_timeout_s, threads=threads,
        analysis=analysis, scheduler=scheduler,
    )


def verify_dataset(assignment: Assignment) -> None:
    try:
        digest = hashlib.sha256(assignment.dataset.read_bytes()).hexdigest()
    except OSError as exc:
        raise GradingError(f"cannot read the dataset {assignment.dataset}: {exc}") from exc
    if digest != assignment.dataset_sha256:
        raise GradingError(
            f"{assignment.dataset} does not match the assignment's sha256 ({digest}); "
            "restore it (data/make_dataset.py regenerates it)"
        )


def plan_runs(
    submissions: Sequence[Submission],
    statics: Sequence[dict[str, StaticResult]],
    *,
    assignment: Assignment,
    settings: Settings,
    store: Store,
) -> tuple[list[RunSpec], int]:
    """The runs still missing from the store, scored runs first and the analysis runs last.

    Two students who handed in the same file share its runs (the store is keyed by content).
    Returns the specs and how many runs the store already had.
    """
    scored: list[RunSpec] = []
    analysis: list[RunSpec] = []
    # every (task, content, index) once: planned now or found in the store
    planned: set[tuple[str, str, int]] = set()
    skipped = 0
    for submission, static in zip(submissions, statics, strict=True):
        for task_id in settings.tasks:
            file = submission.files.get(task_id)
            result = static.get(task_id)
            if file is None or file.text is None or result is None or result.diff is None:
                continue
            if any(f.check == "syntax" for f in result.findings):
                continue
            original = parse_original(assignment.task(task_id))
            done = store.run_indexes(task=task_id, file_sha256=file.sha256)
            indexes = list(range(settings.runs)) + ([ANALYSIS_INDEX] if settings.analysis else [])
            for index in indexes:
                key = (task_id, file.sha256, index)
                if key in planned:  # another student handed in the very same file
                    continue
                planned.add(key)
                if index in done:
                    skipped += index != ANALYSIS_INDEX
                    continue
                is_analysis = index == ANALYSIS_INDEX
                flags = {name: is_analysis and name == "show_analysis" for name in original.flags}
                spec = RunSpec(
                    submission_id=submission.id,
                    task=task_id,
                    index=index,
                    script_name=assignment.task(task_id).file,
                    script_text=force_flags(file.text, flags),
                    script_sha256=file.sha256,
                    dataset_path=str(assignment.dataset),
                    dataset_sha256=assignment.dataset_sha256,
                    timeout_s=settings.timeout_s,
                    memory_mb=assignment.limits.memory_mb,
                    output_kb=assignment.limits.output_kb,
                    processes=assignment.limits.processes,
                    threads=settings.threads,
                    analysis=is_analysis,
                    test_names=tuple(sorted(original.test_names)),
                )
                (analysis if is_analysis else scored).append(spec)
    return scored + analysis, skipped


class Executor(Protocol):
    """See ``grader.executor``: yields (spec, outcome) as runs complete; ``close`` kills all."""

    def run(self, specs: Sequence[RunSpec]) -> Iterator[tuple[RunSpec, RunOutcome]]: ...

    def close(self) -> None: ...


def _executor(settings: Settings) -> Executor:
    if settings.scheduler:
        from grader.executor import DaskExecutor

        return DaskExecutor(address=settings.scheduler)
    from grader.executor import LocalExecutor

    return LocalExecutor(jobs=settings.jobs)


def grade(
    *,
    paths: Sequence[Path],
    assignment: Assignment,
    out_dir: Path,
    runs: int | None = None,
    jobs: int = 1,
    tasks: Sequence[str] | None = None,
    timeout: float | None = None,
    fresh: bool = False,
    analysis: bool = True,
    scheduler: str | None = None,
    kind: str = "student",
    progress: Progress | None = None,
    executor: Executor | None = None,
) -> Batch:
    """Grade every submission under ``paths`` into ``out_dir``; KeyboardInterrupt stops cleanly.

    On an interrupt, every child is killed, everything finished is in the store, the results
    written so far are rebuilt, and ``Batch.interrupted`` is set (the CLI says how to resume).
    """
    settings = make_settings(
        assignment=assignment, runs=runs, jobs=jobs, tasks=tasks, timeout=timeout,
        analysis=analysis, scheduler=scheduler,
    )
    verify_dataset(assignment)
    progress = progress or _Silent()
    submissions = discover(list(paths), assignment=assignment)
    statics = [
        check_submission(s, assignment=assignment, tasks=settings.tasks) for s in submissions
    ]
    batch = Batch(out_dir=out_dir)
    with Store.in_folder(out_dir) as store:
        store.put_class(submissions, statics, kind=kind)
        if fresh:
            store.forget_runs(
                (task, file.sha256) for s in submissions for task, file in s.files.items()
            )
        store.set_meta(
            assignment=assignment.name, machine=describe_machine(),
            settings=settings.to_json(), warnings=[],
        )
        specs, batch.runs_skipped = plan_runs(
            submissions, statics, assignment=assignment, settings=settings, store=store
        )
        progress.start(total=len(specs), skipped=batch.runs_skipped)
        executor = executor or _executor(settings)
        unisolated = 0
        try:
            for spec, outcome in executor.run(specs):
                store.put_run(task=spec.task, file_sha256=spec.script_sha256, outcome=outcome)
                batch.runs_done += 1
                unisolated += not outcome.isolated
                progress.advance(spec, outcome)
        except KeyboardInterrupt:
            batch.interrupted = True
        finally:
            executor.close()
            progress.stop()
        if unisolated:
            store.set_meta(warnings=[
                (f"{unisolated} run(s) were not isolated (no network or file-system confinement "
                "was available on this machine): only resource limits applied")
            ])
        batch.results = render_outputs(store=store, assignment=assignment, out_dir=out_dir)
    return batch


def render_outputs(*, store: Store, assignment: Assignment, out_dir: Path) -> list[SubmissionResult]:
    """Rebuild every output file from the store (``grader report`` calls only this)."""
    from grader.report import render_report, write_grades_csv

    meta = store.meta()
    settings = meta.get("settings", {})
    machine = meta.get("machine") or describe_machine()
    runs = int(settings.get("runs", assignment.runs))
    students = build_results(store, assignment=assignment, runs=runs, kind="student")
    reference = build_results(store, assignment=assignment, runs=runs, kind="reference")
    graded = students or reference  # a folder holding only `grader reference` lists the reference
    write_results_json(
        out_dir / "results.json",
        results_document(graded, assignment=assignment, machine=machine, settings=settings),
    )
    write_grades_csv(graded, out_dir / "grades.csv", tasks=[t.id for t in assignment.tasks])
    render_report(
        results=students,
        reference=reference,
        meta=ReportMeta(
            assignment=assignment.name,
            grader_version=__version__,
            machine=machine,
            settings=settings,
            generated_at=datetime.now(UTC).isoformat(timespec="seconds"),
            warnings=tuple(meta.get("warnings", ())),
        ),
        assignment=assignment,
        out_dir=out_dir,
    )
    return graded
