"""Every typed record that flows between the grader's stages, in one place.

Records are frozen dataclasses; states are string enums whose values are the ones written to
``results.json`` (see the design's contracts), so ``str(x)`` is always the wire form.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from grader.records.measured import Evaluation as Evaluation
from grader.records.measured import HarnessFacts as HarnessFacts
from grader.records.measured import ModelFact as ModelFact
from grader.records.measured import RunTrust as RunTrust


class Severity(StrEnum):
    VIOLATION = "violation"
    WARNING = "warning"
    INFO = "info"


class Verdict(StrEnum):
    HIGH_PERFORMANCE = "high_performance"
    VALID = "valid"
    INVALID = "invalid"
    MISSING = "missing"
    INCOMPLETE = "incomplete"


class RunStatus(StrEnum):
    OK = "ok"
    FAILED = "failed"
    TIMEOUT = "timeout"
    MEMORY = "memory"
    BAD_OUTPUT = "bad_output"


@dataclass(frozen=True)
class Finding:
    """One thing a check found; ``check`` is a stable id from the design's table."""

    check: str
    severity: Severity
    message: str
    file: str | None = None
    line: int | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "check": self.check,
            "severity": str(self.severity),
            "message": self.message,
            "file": self.file,
            "line": self.line,
        }


# ---------------------------------------------------------------------------------------- intake


class LateStatus(StrEnum):
    """How a hand-in stands against the deadline that applied to its student."""

    ON_TIME = "on_time"
    GRACE = "grace"  # after the deadline, within the grace period: on time for the policy
    LATE = "late"  # after the grace period: the per-day deduction applies
    AFTER_CUTOFF = "after_cutoff"  # past the cut-off: not graded under the policy
    UNKNOWN = "unknown"  # no submission time could be read
    NO_DEADLINE = "no_deadline"  # the assignment sets none


@dataclass(frozen=True)
class HandIn:
    """Who handed in and when, as the VLE or git tells it; shown beside the verdicts.

    ``submitted_at`` is ISO 8601 with its UTC offset; ``time_source`` says where it was read
    (a VLE export, a receipt, a file name, a zip entry, a commit), because sources differ in how
    far they can be trusted. ``not_graded`` lists what was left out on purpose (commits after
    the deadline, earlier attempts).
    """

    name: str = ""
    vle_id: str = ""
    submitted_at: str | None = None
    time_source: str = ""
    late_marker: bool = False  # the VLE itself marked the hand-in late (Canvas)
    not_graded: tuple[str, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "vle_id": self.vle_id,
            "submitted_at": self.submitted_at,
            "time_source": self.time_source,
            "late_marker": self.late_marker,
            "not_graded": list(self.not_graded),
        }


@dataclass(frozen=True)
class Lateness:
    """The late policy's effect on one hand-in (computed and shown; marks are applied later)."""

    status: LateStatus
    deadline: str | None = None  # ISO 8601, the deadline that applied (extension included)
    extension: str = ""  # the reason, when an extension moved the deadline
    late_by_s: float = 0.0  # after the deadline (grace included); 0 when on time
    days_late: int = 0  # started days after the grace period
    deduction_pct: float = 0.0  # of the mark, capped at 100

    def to_json(self) -> dict[str, Any]:
        return {
            "status": str(self.status),
            "deadline": self.deadline,
            "extension": self.extension,
            "late_by_s": self.late_by_s,
            "days_late": self.days_late,
            "deduction_pct": self.deduction_pct,
        }


@dataclass(frozen=True)
class SourceFile:
    """A task file as handed in. ``text`` is None when it could not be read as UTF-8 text."""

    name: str  # the file name the assignment expects, e.g. "task1.py"
    path: str  # where it was found (for messages and links)
    sha256: str  # of the raw bytes
    text: str | None
    encoding: str = "utf-8"  # Python's codec for it: "utf-8-sig" after a BOM (pysource.encoding)


@dataclass(frozen=True)
class Submission:
    """One student's hand-in: the task files found, plus what intake noticed on the way."""

    id: str
    source: str  # the folder, archive or file it came from
    files: dict[str, SourceFile]  # keyed by task id ("task1"); absent tasks are missing
    extra_files: tuple[str, ...] = ()
    findings: tuple[Finding, ...] = ()  # intake findings not tied to one task (broken archive ...)
    hand_in: HandIn = field(default_factory=HandIn)  # name and submission time, when known

    @property
    def sha256(self) -> str:
        """A hash of every task file's content: unchanged files mean an unchanged submission."""
        import hashlib

        digest = hashlib.sha256()
        for task_id in sorted(self.files):
            digest.update(f"{task_id}:{self.files[task_id].sha256}\n".encode())
        return digest.hexdigest()


# ------------------------------------------------------------------------------- static and diff


@dataclass(frozen=True)
class DiffSummary:
    lines_added: int
    lines_removed: int
    unified: str  # the unified diff against the provided original, kept for the report


@dataclass(frozen=True)
class StaticResult:
    """What the intake, diff and static stages found for one task of one submission."""

    task: str
    findings: tuple[Finding, ...]
    diff: DiffSummary | None  # None when the file is missing or unreadable


# ------------------------------------------------------------------------------------------ runs


@dataclass(frozen=True)
class RunSpec:
    """Everything a sandboxed run needs; pure data, so it can travel to a Dask worker."""

    submission_id: str
    task: str
    index: int
    script_name: str  # "task1.py"
    script_text: str  # flags already forced to False; its UTF-8 is the checked file's bytes
    script_sha256: str  # of the file as handed in (the store key)
    dataset_path: str
    dataset_sha256: str
    timeout_s: float
    memory_mb: int
    output_kb: int
    processes: int
    threads: int
    analysis: bool = False  # the extra run that saves the sensitivity-analysis figure
    test_names: tuple[str, ...] = ()  # what the provided code calls the test set (for the harness)
    #: a fingerprint of the run conditions (limits, threads, isolation, dataset, harness): stored
    #: with the run, and a stored run made under other conditions counts as missing
    conditions: str = ""
    disk_mb: int = 1024  # the work folder's quota under isolation: megabytes and files
    inodes: int = 16384
    #: where the grader takes over the split and the evaluation (None: it does not)
    trust: RunTrust | None = None


@dataclass(frozen=True)
class RunOutcome:
    """How one child process ended, as the parent measured it. Never an exception."""

    index: int
    status: RunStatus  # OK here means "exited 0"; parsing may still turn it into BAD_OUTPUT
    exit_code: int | None
    wall_s: float
    cpu_s: float
    max_rss_mb: float
    stdout: str  # a bounded tail
    stderr: str  # a bounded tail
    facts: HarnessFacts | None  # None when the harness could not report
    dataset_intact: bool = True
    isolated: bool = False  # ran inside the isolating wrapper (no network, confined files)
    note: str = ""  # e.g. "killed after 600 s", "output truncated"
    #: the grader itself failed (not the student's code): never stored, so the run is made again
    #: by the next batch; ``note`` says what failed
    grader_error: bool = False
    evaluation: Evaluation | None = None  # the grader's own numbers (issue 10)

    @property
    def trained_size(self) -> int | None:
        """The grader's count of the evaluated model's parameters; else the size of the model the
        harness saw printed, else of the last model it saw trained."""
        if self.evaluation is not None and self.evaluation.params is not None:
            return self.evaluation.params
        facts = self.facts
        if facts is None:
            return None
        if facts.count_params_at_print is not None:
            return facts.count_params_at_print
        return facts.models[-1].params if facts.models else None


@dataclass(frozen=True)
class ParsedOutput:
    """A run's stdout read against the provided lines: the printed values by field name, or why
    stdout is not exactly those lines. Made once by the judge; the runtime checks read it."""

    values: dict[str, float] | None
    problem: str | None = None


@dataclass(frozen=True)
class RunMetrics:
    """One run as results.json shows it."""

    index: int
    status: RunStatus
    error_pct: float | None
    model_size: int | None
    duration_s: float | None
    wall_s: float
    cpu_s: float
    max_rss_mb: float
    evaluated_by: str | None = None  # "grader", "harness" or None (see ``Evaluation``)

    def to_json(self) -> dict[str, Any]:
        return {
            "evaluated_by": self.evaluated_by,
            "index": self.index,
            "status": str(self.status),
            "error_pct": self.error_pct,
            "model_size": self.model_size,
            "duration_s": self.duration_s,
            "wall_s": self.wall_s,
            "cpu_s": self.cpu_s,
            "max_rss_mb": self.max_rss_mb,
        }


@dataclass(frozen=True)
class TaskSummary:
    mean_error_pct: float | None = None
    std_error_pct: float | None = None
    model_size: int | None = None
    mean_duration_s: float | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "mean_error_pct": self.mean_error_pct,
            "std_error_pct": self.std_error_pct,
            "model_size": self.model_size,
            "mean_duration_s": self.mean_duration_s,
        }


@dataclass(frozen=True)
class TaskResult:
    task: str
    verdict: Verdict
    findings: tuple[Finding, ...]
    runs: tuple[RunMetrics, ...] = ()
    summary: TaskSummary = field(default_factory=TaskSummary)
    diff: DiffSummary | None = None
    outcomes: tuple[RunOutcome, ...] = ()  # raw outcomes (stdout tails, facts) for the report
    figure_png: bytes | None = None  # the sensitivity analysis of the student's model
    file_sha256: str = ""  # of the task file as handed in: what an override is keyed to
    extra_runs: tuple[RunMetrics, ...] = ()  # stored beyond the runs that count: shown, not judged

    def to_json(self) -> dict[str, Any]:
        return {
            "verdict": str(self.verdict),
            "findings": [f.to_json() for f in self.findings],
            "runs": [r.to_json() for r in self.runs],
            "summary": self.summary.to_json(),
            "diff": {"lines_added": self.diff.lines_added if self.diff else 0,
                     "lines_removed": self.diff.lines_removed if self.diff else 0},
        }


@dataclass(frozen=True)
class SubmissionResult:
    id: str
    source: str
    sha256: str
    tasks: dict[str, TaskResult]
    hand_in: HandIn = field(default_factory=HandIn)
    lateness: Lateness = field(default_factory=lambda: Lateness(LateStatus.NO_DEADLINE))

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "source": self.source,
            "sha256": self.sha256,
            "hand_in": self.hand_in.to_json(),
            "lateness": self.lateness.to_json(),
            "tasks": {task: result.to_json() for task, result in self.tasks.items()},
        }


# ----------------------------------------------------------------------------- the provided script


@dataclass(frozen=True)
class Region:
    """A fenced region of a provided original; lines are 1-based and inclusive, in the original."""

    kind: str  # "provided" or "student"
    title: str  # the marker's words, e.g. "test error, output and sensitivity analysis"
    start: int  # the first line inside the markers
    end: int  # the last line inside the markers


@dataclass(frozen=True)
class OriginalScript:
    """What the grader learns from a provided original, so that nothing about it is hard-coded."""

    task: str
    path: str
    text: str
    regions: tuple[Region, ...]
    test_names: frozenset[str]  # names the provided code binds to the test set ("test_x", ...)
    dataset_name: str  # the file the provided code opens ("dataset.txt")
    flags: tuple[str, ...]  # ("full_output", "show_analysis")
    output_patterns: tuple[str, ...]  # a regex per printed line, from the print statements

    @property
    def provided(self) -> tuple[Region, ...]:
        return tuple(r for r in self.regions if r.kind == "provided")


# ---------------------------------------------------------------------------------------- report


@dataclass(frozen=True)
class ReportMeta:
    """What the report says about the batch as a whole: what was graded, where, how and when.

    The machine and settings are kept as the store recorded them (the keys of ``results.json``),
    so a report rebuilt later states the conditions of the runs, not those of the rebuild.
    """

    assignment: str
    grader_version: str
    machine: dict[str, Any]  # {"cpu", "cores", "python", "tensorflow"}
    settings: dict[str, Any]  # {"runs", "jobs", "timeout", "isolation", ...}
    generated_at: str  # ISO 8601, e.g. "2025-01-31T14:05:00+00:00"
    warnings: tuple[str, ...] = ()  # shown loudly, e.g. "runs were not isolated"
