"""Planning a batch: its settings, the conditions its runs are made under, and the runs missing.

Pure apart from reading the store: given the submissions, their static results and the settings,
which runs (task, file content, index) still have to be made. A run is done only when the store
holds it under the same run conditions (``fingerprint``), so changing a limit makes runs again
instead of mixing results made under different rules.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from grader.harness import FACTS_VERSION
from grader.ids import CheckId
from grader.original.parse import OriginalError, parse_original
from grader.original.split import find_split, locate
from grader.pysource.encoding import is_utf8, runnable_text
from grader.records import OriginalScript, RunSpec, RunTrust, StaticResult, Submission
from grader.run.flags import force_flags
from grader.run.machine import usable_cores
from grader.spec import Assignment, TaskSpec
from grader.store.database import ANALYSIS_INDEX, Store


class GradingError(RuntimeError):
    """The grader cannot start (its own materials are broken); never raised for a student's code."""


@dataclass(frozen=True)
class Settings:
    runs: int
    jobs: int
    tasks: tuple[str, ...]
    timeout_s: float
    threads: int
    analysis: bool
    scheduler: str | None = None
    no_isolation: bool = False  # run student code even where no isolation layer works

    def to_json(self) -> dict[str, Any]:
        return {
            "runs": self.runs, "jobs": self.jobs, "tasks": list(self.tasks),
            "timeout_s": self.timeout_s, "threads_per_run": self.threads,
            "analysis": self.analysis, "scheduler": self.scheduler,
        }


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
    timeout: float | None, analysis: bool, scheduler: str | None, no_isolation: bool = False,
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
        no_isolation=no_isolation,
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
        "disk_mb": int(limits.disk_mb),
        "inodes": int(limits.inodes),
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
            if any(f.check in _NOT_RUN for f in result.findings):
                continue
            _same_bytes(file.text, file.encoding, file.sha256)  # what runs is what was checked
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
                script_text = runnable_text(force_flags(file.text, flags), file.encoding)
                spec = RunSpec(
                    submission_id=submission.id,
                    task=task_id,
                    index=index,
                    script_name=assignment.task(task_id).file,
                    script_text=script_text,
                    script_sha256=file.sha256,
                    dataset_path=str(assignment.dataset),
                    dataset_sha256=assignment.dataset_sha256,
                    timeout_s=settings.timeout_s,
                    memory_mb=assignment.limits.memory_mb,
                    output_kb=assignment.limits.output_kb,
                    processes=assignment.limits.processes,
                    threads=settings.threads,
                    disk_mb=assignment.limits.disk_mb,
                    inodes=assignment.limits.inodes,
                    analysis=is_analysis,
                    test_names=tuple(sorted(original.test_names)),
                    conditions=conditions,
                    trust=run_trust(original, script_text, assignment.task(task_id)),
                )
                (analysis if is_analysis else scored).append(spec)
    return scored + analysis, skipped


#: findings that keep a file from running: Python would not read it as the grader checked it
_NOT_RUN = frozenset({CheckId.SYNTAX, CheckId.SOURCE_ENCODING})


def _same_bytes(text: str, encoding: str, sha256: str) -> None:
    """Raise unless ``text`` encodes back to exactly the bytes whose hash was checked.

    The flags rewrite is then the only change between the checked file and the one that runs.
    """
    if not is_utf8(encoding):
        raise GradingError(f"a task file in {encoding} was about to run")
    if hashlib.sha256(runnable_text(text, encoding).encode("utf-8")).hexdigest() != sha256:
        raise GradingError(f"a task file does not encode back to the bytes checked ({encoding})")


def run_trust(original: OriginalScript, text: str, task: TaskSpec) -> RunTrust | None:
    """Where the grader takes over the hand-in's split and evaluation; None when the original's
    split cannot be read or the hand-in lacks the provided evaluation (the diff says why)."""
    try:
        site = find_split(original)
    except OriginalError:
        return None
    lines, evaluation = locate(text, site)
    if evaluation is None:
        return None
    return RunTrust(split_call=site.call, split_lines=lines, test_start=site.test_start,
                    test_stop=site.test_stop, evaluate_line=evaluation,
                    required_layer=task.required_layer)
