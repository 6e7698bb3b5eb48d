"""The orchestrator of ``grader run``: intake -> static checks -> runs -> store -> results.

Data flows one way. Every finished run is stored at once (one transaction), so an interrupted
batch loses only the runs that were going and the same command resumes where it stopped. Runs
already in the store (same task, same file content, same run conditions, same index) are never
repeated; a run made under other conditions (another hard timeout, limits, threads, isolation,
dataset or harness) counts as missing. A batch merges into the folder's class: it replaces only
the submissions and tasks it graded, each judged on the runs this batch asked for.
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

from grader import __version__
from grader.checking import check_submission
from grader.flags import force_flags
from grader.harness import FACTS_VERSION
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
    """What one ``grade`` call did: the runs it made and kept, and the results it wrote.

    ``results`` are the submissions of the batch's kind as the folder now holds them (the whole
    class, not only this batch). ``grader_errors`` counts the runs the grader itself failed to
    make (not stored: the next batch makes them); ``error`` says why the executor stopped early.
    """

    out_dir: Path
    results: list[SubmissionResult] = field(default_factory=list)
    runs_done: int = 0
    runs_skipped: int = 0
    grader_errors: int = 0
    interrupted: bool = False
    error: str = ""


def default_jobs(assignment: Assignment) -> int:
    """Runs in parallel by default: as many as the usable cores hold at the spec's threads each."""
    return max(1, usable_cores() // assignment.limits.threads)


def oversubscribed(*, jobs: int, assignment: Assignment) -> str:
    """A one-line warning when ``jobs`` runs of the spec's threads need more than the cores."""
    threads, cores = assignment.limits.threads, usable_cores()
    if jobs * threads <= cores:
        return ""
    return (f"warning: {jobs} job(s) x {threads} thread(s) per run exceed the {cores} usable "
            "core(s): runs will share cores, so their times are slower and less steady")


def make_settings(
    *, assignment: Assignment, runs: int | None, jobs: int | None, tasks: Sequence[str] | None,
    timeout: float | None, analysis: bool, scheduler: str | None,
) -> Settings:
    known = [t.id for t in assignment.tasks]
    chosen = tuple(tasks) if tasks else tuple(known)
    unknown = [t for t in chosen if t not in known]
    if unknown:
        raise GradingError(f"unknown task(s) {', '.join(unknown)}; the assignment has {known}")
    if (runs is not None and runs < 1) or (jobs is not None and jobs < 1):
        raise GradingError("--runs and --jobs must be at least 1")
    if timeout is not None and not (math.isfinite(timeout) and timeout > 0):
        raise GradingError(f"--timeout must be a number of seconds above 0 (got {timeout})")
    return Settings(
        runs=runs or assignment.runs, jobs=jobs or default_jobs(assignment), tasks=chosen,
        timeout_s=float(timeout or assignment.limits.hard_timeout_s),
        threads=assignment.limits.threads, analysis=analysis, scheduler=scheduler,
    )


def run_conditions(settings: Settings, assignment: Assignment, *, isolation: str) -> dict[str, Any]:
    """What a run's result may depend on besides the script: stored runs must match all of it."""
    limits = assignment.limits
    return {
        "hard_timeout_s": float(settings.timeout_s),
        "memory_mb": int(limits.memory_mb),
        "processes": int(limits.processes),
        "output_kb": int(limits.output_kb),
        "threads_per_run": int(settings.threads),
        "isolation": isolation,
        "dataset_sha256": assignment.dataset_sha256,
        "facts_version": FACTS_VERSION,
    }


def fingerprint(conditions: dict[str, Any]) -> str:
    """A short, stable digest of ``run_conditions``: the key stored runs are kept under."""
    text = json.dumps(conditions, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()[:16]


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
    conditions: str = "",
) -> tuple[list[RunSpec], int]:
    """The runs still missing from the store, scored runs first and the analysis runs last.

    Two students who handed in the same file share its runs (the store is keyed by content).
    Only runs stored under ``conditions`` count as done. Returns the specs and how many runs the
    store already had.
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
            done = store.run_indexes(task=task_id, file_sha256=file.sha256, conditions=conditions)
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
                    conditions=conditions,
                )
                (analysis if is_analysis else scored).append(spec)
    return scored + analysis, skipped


class Executor(Protocol):
    """See ``grader.executor``: yields (spec, outcome) as runs complete; ``close`` kills all.

    An outcome with ``grader_error`` set is a run the grader failed to make: not stored.
    """

    @property
    def isolation_kind(self) -> str: ...

    def run(self, specs: Sequence[RunSpec]) -> Iterator[tuple[RunSpec, RunOutcome]]: ...

    def close(self) -> None: ...


def _executor(settings: Settings) -> Executor:
    if settings.scheduler:
        from grader.executor import DaskExecutor

        try:
            return DaskExecutor(address=settings.scheduler)
        except (OSError, ValueError) as exc:
            raise GradingError(
                f"cannot reach the Dask scheduler at {settings.scheduler}: {exc}"
            ) from exc
    from grader.executor import LocalExecutor

    return LocalExecutor(jobs=settings.jobs, threads=settings.threads)


def _close(executor: Executor) -> bool:
    """Close the executor even through a second Ctrl-C (its children must die); True if one came."""
    interrupted = False
    for _ in range(3):
        try:
            executor.close()
        except KeyboardInterrupt:
            interrupted = True
        else:
            break
    return interrupted


#: where each kind of batch records its settings and machine in the store's meta
META_KEYS = {"student": ("settings", "machine"),
             "reference": ("reference_settings", "reference_machine")}


def grade(
    *,
    paths: Sequence[Path],
    assignment: Assignment,
    out_dir: Path,
    runs: int | None = None,
    jobs: int | None = None,
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

    The batch merges into what ``out_dir`` already holds. On an interrupt at any stage, every
    child is killed, everything finished is in the store, the outputs are rebuilt if the store
    was reached, and ``Batch.interrupted`` is set (the CLI says how to resume). ``jobs`` defaults
    to the usable cores divided by the spec's threads per run.
    """
    settings = make_settings(
        assignment=assignment, runs=runs, jobs=jobs, tasks=tasks, timeout=timeout,
        analysis=analysis, scheduler=scheduler,
    )
    verify_dataset(assignment)
    progress = progress or _Silent()
    batch = Batch(out_dir=out_dir)
    executor = executor or _executor(settings)
    opened: list[Store] = []  # the store, once _run_batch has opened it
    try:
        try:
            _run_batch(batch, opened, paths=paths, assignment=assignment, settings=settings,
                       fresh=fresh, kind=kind, progress=progress, executor=executor)
        except KeyboardInterrupt:
            batch.interrupted = True
        finally:
            batch.interrupted |= _close(executor)
        if opened:  # an interrupt before the store was reached leaves the outputs as they were
            try:
                students, reference = _render(store=opened[0], assignment=assignment,
                                              out_dir=out_dir)
                batch.results = reference if kind == "reference" else students
            except KeyboardInterrupt:
                batch.interrupted = True
    finally:
        for store in opened:
            store.close()
    return batch


def _run_batch(
    batch: Batch, opened: list[Store], *, paths: Sequence[Path], assignment: Assignment,
    settings: Settings, fresh: bool, kind: str, progress: Progress, executor: Executor,
) -> None:
    """Intake, static stage, store, runs; the store it opens goes into ``opened``."""
    submissions = discover(list(paths), assignment=assignment)
    statics = [
        check_submission(s, assignment=assignment, tasks=settings.tasks) for s in submissions
    ]
    isolation = executor.isolation_kind
    conditions = fingerprint(run_conditions(settings, assignment, isolation=isolation))
    opened.append(Store.in_folder(batch.out_dir))
    store = opened[0]
    if fresh:  # only the tasks of this batch: the others' runs stay
        store.forget_runs({
            (task, file.sha256) for s in submissions for task, file in s.files.items()
            if task in settings.tasks
        })
    specs, batch.runs_skipped = plan_runs(
        submissions, statics, assignment=assignment, settings=settings, store=store,
        conditions=conditions,
    )
    # the runs start: only now does the batch change the class (merged into it) and the folder's
    # settings (those of its kind only)
    store.put_class(submissions, statics, kind=kind, runs_expected=settings.runs,
                    conditions=conditions)
    settings_key, machine_key = META_KEYS.get(kind, META_KEYS["student"])
    store.set_meta(**{
        "assignment": assignment.name, machine_key: describe_machine(),
        settings_key: {**settings.to_json(), "isolation": isolation},
    })
    progress.start(total=len(specs), skipped=batch.runs_skipped)
    try:
        _make_runs(batch, specs, store=store, progress=progress, executor=executor)
    finally:
        progress.stop()


def _make_runs(batch: Batch, specs: Sequence[RunSpec], *, store: Store, progress: Progress,
               executor: Executor) -> None:
    """Store each run as it ends; a run the grader failed to make is shown, not stored."""
    runs = iter(executor.run(specs))
    while True:
        try:
            spec, outcome = next(runs)
        except StopIteration:
            return
        except Exception as exc:  # the executor itself broke (a lost scheduler ...)
            log.exception("the executor stopped; every finished run is stored")
            batch.error = f"{type(exc).__name__}: {exc}"
            return
        if outcome.grader_error:
            batch.grader_errors += 1
        else:
            store.put_run(task=spec.task, file_sha256=spec.script_sha256, outcome=outcome,
                          conditions=spec.conditions)
            batch.runs_done += 1
        progress.advance(spec, outcome)


UNISOLATED = ("{count} run(s) were not isolated (no network or file-system confinement was "
              "available on this machine): only resource limits applied")


def isolation_warnings(store: Store, results: Sequence[SubmissionResult]) -> list[str]:
    """The loud warning the report shows when runs it judges on were not isolated: derived from
    the stored outcomes, so it holds however many batches made them. A run two students share
    counts once."""
    files = {(s.id, task_id): (t.file_sha256, t.conditions)
             for s in store.submissions() for task_id, t in s.tasks.items()}
    unisolated = {(task_id, files.get((r.id, task_id)), o.index)
                  for r in results for task_id, t in r.tasks.items()
                  for o in t.outcomes if not o.isolated}
    return [UNISOLATED.format(count=len(unisolated))] if unisolated else []


def _render(
    *, store: Store, assignment: Assignment, out_dir: Path
) -> tuple[list[SubmissionResult], list[SubmissionResult]]:
    """Rebuild every output file from the store; the students' and the reference's results."""
    from grader.report import render_report, write_grades_csv

    meta = store.meta()
    settings = meta.get("settings") or meta.get("reference_settings") or {}
    machine = meta.get("machine") or meta.get("reference_machine") or describe_machine()
    legacy_runs = settings.get("runs")  # judges only rows of an older store (no runs of their own)
    students = build_results(store, assignment=assignment, runs=legacy_runs, kind="student")
    reference = build_results(store, assignment=assignment, runs=legacy_runs, kind="reference")
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
            warnings=tuple(isolation_warnings(store, [*students, *reference])),
        ),
        assignment=assignment,
        out_dir=out_dir,
    )
    return students, reference


def render_outputs(*, store: Store, assignment: Assignment, out_dir: Path) -> list[SubmissionResult]:
    """Rebuild every output file from the store (``grader report`` calls only this)."""
    students, reference = _render(store=store, assignment=assignment, out_dir=out_dir)
    return students or reference
