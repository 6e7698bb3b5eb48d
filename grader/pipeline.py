"""The orchestrator of ``grader run``: intake -> static checks -> runs -> store -> results.

Data flows one way. Every finished run is stored at once (one transaction), so an interrupted
batch loses only the runs that were going and the same command resumes where it stopped. Runs
already in the store (same task, same file content, same run conditions, same index) are never
repeated; a run made under other conditions (another hard timeout, limits, threads, isolation,
dataset or harness) counts as missing. A batch merges into the folder's class: it replaces only
the submissions and tasks it graded, each judged on the runs this batch asked for.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

from grader import __version__
from grader.checks.stage import check_submission
from grader.intake.bulk import IntakeOptions, read_class
from grader.marks import OVERRIDES_NAME, mark_class, read_overrides
from grader.records import (
    ReportMeta,
    RunOutcome,
    RunSpec,
    StaticResult,
    Submission,
    SubmissionResult,
)
from grader.report.results_json import build_results, results_document, write_results_json
from grader.review.known import known_sources, reference_sources
from grader.review.own_code import Source
from grader.review.stage import ClassReview, review_class, with_similarity
from grader.run.executor import Executor, make_executor
from grader.run.machine import describe_machine
from grader.run.planning import (
    GradingError,
    Settings,
    fingerprint,
    make_settings,
    plan_runs,
    run_conditions,
    verify_dataset,
)
from grader.spec import Assignment
from grader.store.database import Store, StoreError

log = logging.getLogger(__name__)


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


REFUSAL = ("refusing to run student code unconfined: {why}; install bubblewrap, or util-linux's "
           "unshare and setpriv, or pass --no-isolation to run it with resource limits only")


def _require_isolation(executor: Executor, settings: Settings) -> None:
    """Never unconfined by accident: no working layer stops the batch unless --no-isolation."""
    kind = executor.isolation_kind
    if settings.no_isolation or kind not in ("none", "mixed"):
        return
    executor.close()
    if settings.scheduler:
        why = f"the Dask workers' isolation is {kind!r}"
    else:
        from grader.sandbox.detect import detect_isolation

        why = detect_isolation().warning or "no isolation layer works here"
    raise GradingError(REFUSAL.format(why=why))


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
    intake: IntakeOptions | None = None,
    no_isolation: bool = False,
    compare_with: Sequence[Path] = (),
    borderline_runs: int = 0,
) -> Batch:
    """Grade every submission under ``paths`` into ``out_dir``; KeyboardInterrupt stops cleanly.

    The batch merges into what ``out_dir`` already holds. On an interrupt at any stage, every
    child is killed, everything finished is in the store, the outputs are rebuilt if the store
    was reached, and ``Batch.interrupted`` is set (the CLI says how to resume). ``jobs`` defaults
    to the usable cores divided by the spec's threads per run. The executor it makes itself
    must confine the runs, unless ``no_isolation`` (then every run and the report say so).
    ``compare_with`` are folders of known solutions the review compares the class with (kept
    for later batches and reports).
    """
    settings = make_settings(
        assignment=assignment, runs=runs, jobs=jobs, tasks=tasks, timeout=timeout,
        analysis=analysis, scheduler=scheduler, no_isolation=no_isolation,
    )
    verify_dataset(assignment)
    known = known_sources(list(compare_with), assignment=assignment) if compare_with else []
    progress = progress or _Silent()
    batch = Batch(out_dir=out_dir)
    if executor is None:
        executor = make_executor(settings)
        _require_isolation(executor, settings)
    opened: list[Store] = []  # the store, once _run_batch has opened it
    try:
        try:
            _run_batch(batch, opened, paths=paths, assignment=assignment, settings=settings,
                       fresh=fresh, kind=kind, progress=progress, executor=executor,
                       intake=intake, known=known,
                       borderline_runs=borderline_runs)
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
    intake: IntakeOptions | None = None,
    known: Sequence[Source] = (),
    borderline_runs: int = 0,
) -> None:
    """Intake, static stage, store, runs; the store it opens goes into ``opened``."""
    submissions = read_class(list(paths), assignment=assignment, options=intake).submissions
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
    if known:  # the review compares every later report with them too
        store.put_sources((s.sha256, s.text) for s in known)
        store.set_meta(compare_with=[[s.owner, s.task, s.sha256] for s in known])
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
    if borderline_runs > 0 and not batch.error:
        extra = plan_borderline_runs(submissions, statics, store=store, assignment=assignment,
                                     settings=settings, conditions=conditions,
                                     extra=borderline_runs)
        progress.start(total=len(extra), skipped=0)
        try:
            _make_runs(batch, extra, store=store, progress=progress, executor=executor)
        finally:
            progress.stop()


def plan_borderline_runs(
    submissions: Sequence[Submission], statics: Sequence[dict[str, StaticResult]], *,
    store: Store, assignment: Assignment, settings: Settings, conditions: str, extra: int,
) -> list[RunSpec]:
    """``--borderline-runs N``: N more runs of each task of this batch whose interval of the
    mean error holds a verdict line, stored after the runs that count (indexes from
    ``settings.runs`` on), so the verdict keeps its rule and the report shows them beside it."""
    batch_ids = {s.id for s in submissions}
    graded = [r for r in build_results(store, assignment=assignment) if r.id in batch_ids]
    marks = mark_class(graded, assignment=assignment)
    wanted = {(student, task) for student, m in marks.students.items() for task in m.borderline
              if task in settings.tasks}
    specs: list[RunSpec] = []
    more = replace(settings, runs=settings.runs + extra, analysis=False)
    for submission, static in zip(submissions, statics, strict=True):
        tasks = tuple(t for t in settings.tasks if (submission.id, t) in wanted)
        if tasks:
            planned, _ = plan_runs([submission], [static], assignment=assignment,
                                   settings=replace(more, tasks=tasks), store=store,
                                   conditions=conditions)
            specs += [s for s in planned if s.index >= settings.runs]
    return specs


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


UNISOLATED = ("{count} run(s) were not isolated (made with --no-isolation where no isolation layer "
              "worked: no network or file-system confinement): only resource limits applied")


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
    settings = _table(store, meta, "settings") or _table(store, meta, "reference_settings")
    machine = (_table(store, meta, "machine") or _table(store, meta, "reference_machine")
               or describe_machine())
    legacy_runs = settings.get("runs")  # judges only rows of an older store (no runs of their own)
    students = build_results(store, assignment=assignment, runs=legacy_runs, kind="student")
    reference = build_results(store, assignment=assignment, runs=legacy_runs, kind="reference")
    review = stored_review(store, assignment=assignment)
    students = with_similarity(students, review, assignment=assignment)
    graded = students or reference  # a folder holding only `grader reference` lists the reference
    # marks are derived here, at render time, from the stored observations and the instructor's
    # overrides.toml beside the report: a new override needs only `grader report DIR`
    marks = mark_class([*students, *reference], assignment=assignment,
                       overrides=read_overrides(out_dir / OVERRIDES_NAME))

    def exports(stage: Path) -> None:  # published with the pages, all or nothing
        write_results_json(
            stage / "results.json",
            results_document(graded, assignment=assignment, machine=machine, settings=settings,
                             marks=marks),
        )
        write_grades_csv(graded, stage / "grades.csv", tasks=[t.id for t in assignment.tasks],
                         marks=marks)

    render_report(
        marks=marks,
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
        also=exports,
        review=review,
    )
    return students, reference


def _table(store: Store, meta: dict[str, Any], key: str) -> dict[str, Any]:
    """A settings table of the store's meta ({} when absent); anything else is a damaged store."""
    value = meta.get(key) or {}
    if not isinstance(value, dict):
        raise StoreError(f"{store.path}: the stored {key} are damaged (not a table)")
    return value


def stored_review(store: Store, *, assignment: Assignment) -> ClassReview:
    """The review stage over the stored class, the reference and the stored known solutions;
    a task file stored before the store kept texts is left out of it."""
    texts = store.sources()
    sources = [Source(s.id, "student", task, texts[t.file_sha256], t.file_sha256)
               for s in store.submissions(kind="student") for task, t in s.tasks.items()
               if t.file_sha256 in texts]
    listed = store.meta().get("compare_with") or []
    if not (isinstance(listed, list) and all(
            isinstance(e, list) and len(e) == 3 and all(isinstance(x, str) for x in e)
            for e in listed)):
        raise StoreError(f"{store.path}: the stored compare_with list is damaged")
    known = [Source(owner, "known", task, texts[sha], sha)
             for owner, task, sha in listed if sha in texts]
    return review_class([*sources, *reference_sources(assignment), *known],
                        assignment=assignment)


def render_outputs(
    *, store: Store, assignment: Assignment, out_dir: Path
) -> list[SubmissionResult]:
    """Rebuild every output file from the store (``grader report`` calls only this)."""
    students, reference = _render(store=store, assignment=assignment, out_dir=out_dir)
    return students or reference

