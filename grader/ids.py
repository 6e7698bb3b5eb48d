"""Every check id, in one table: what it finds, where it is found, and its default severity.

The ids are a contract: ``results.json``, ``grades.csv`` and instructors' filters read them, so a
member's value never changes. Code compares findings with these members, never with string
literals, so a typo is a name error instead of a check that silently never matches. README.md's
"Checks" section shows the same table; a test keeps the two equal.

Standard library only: every stage may import it.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Literal


class CheckId(StrEnum):
    """A check's stable id; a ``str``, so a finding's ``check`` serialises as the bare value."""

    FILES_MISSING = "files.missing"
    FILES_EXTRA = "files.extra"
    FILES_UNREADABLE = "files.unreadable"
    FILES_RENAMED = "files.renamed"
    FILES_AMBIGUOUS = "files.ambiguous"
    SYNTAX = "syntax"
    SOURCE_ENCODING = "source.encoding"
    PROTECTED_MODIFIED = "protected.modified"
    FLAGS_NOT_FALSE = "flags.not_false"
    DIFF_EXCESSIVE = "diff.excessive"
    SEED = "seed"
    FRAMEWORK = "framework"
    TEST_DATA_USE = "test_data.use"
    PRETRAINED = "pretrained"
    LAYERS_REQUIRED = "layers.required"
    SANDBOX_FILE = "sandbox.file"
    SANDBOX_NETWORK = "sandbox.network"
    SANDBOX_PROCESS = "sandbox.process"
    MONKEYPATCH = "monkeypatch"
    RUN_FAILED = "run.failed"
    RUN_TIMEOUT = "run.timeout"
    RUN_MEMORY = "run.memory"
    OUTPUT_FORMAT = "output.format"
    OUTPUT_MISMATCH = "output.mismatch"
    PARAMS_MAX = "params.max"
    ERROR_MAX = "error.max"
    TIME_MAX = "time.max"
    RUNS_DETERMINISTIC = "runs.deterministic"
    DATASET_MODIFIED = "dataset.modified"
    TRAINING_NONE = "training.none"
    SIMILARITY = "similarity"


class Stage(StrEnum):
    """Where a finding comes from: the intake and static stage's own code, or a registry."""

    INTAKE = "intake"  # grader.intake and grader.checks.stage, before any check runs
    DIFF = "diff"  # grader.checks.diff.DIFF_CHECKS
    STATIC = "static"  # grader.checks.static.STATIC_CHECKS
    RUNTIME = "runtime"  # grader.checks.runtime.RUNTIME_CHECKS
    REVIEW = "review"  # grader.review: the whole class compared, never a violation


#: the values of :class:`grader.records.Severity` a check may default to
DefaultSeverity = Literal["violation", "warning"]


@dataclass(frozen=True)
class CheckInfo:
    """One row of the table: the stages that produce the id, its default severity, what it finds."""

    stages: tuple[Stage, ...]
    severity: DefaultSeverity
    finds: str


_INTAKE = (Stage.INTAKE,)
_BOTH = (Stage.STATIC, Stage.RUNTIME)
_RUN = (Stage.RUNTIME,)

# fmt: off
CHECKS: dict[CheckId, CheckInfo] = {
    CheckId.FILES_MISSING: CheckInfo(_INTAKE, "violation", "the task file is absent"),
    CheckId.FILES_EXTRA: CheckInfo(_INTAKE, "warning", "other code files in the hand-in"),
    CheckId.FILES_UNREADABLE: CheckInfo(
        _INTAKE, "violation", "the task file is not text, too large, or could not be read"),
    CheckId.FILES_RENAMED: CheckInfo(
        _INTAKE, "warning",
        "a renamed task file (`Task1.py`, `task1 (1).py`, `task1-2.py`, `task1.py.txt`), graded"),
    CheckId.FILES_AMBIGUOUS: CheckInfo(
        _INTAKE, "violation", "two renamed files could be one task's: neither is graded"),
    CheckId.SYNTAX: CheckInfo(
        _INTAKE, "violation",
        "the task file does not parse as Python, or nests deeper than the checks read (200 levels)",
    ),
    CheckId.SOURCE_ENCODING: CheckInfo(
        _INTAKE, "violation",
        "the task file declares an encoding other than UTF-8 (PEP 263); it is never run"),
    CheckId.PROTECTED_MODIFIED: CheckInfo(
        (Stage.DIFF,), "violation", "a provided region was changed (comments and layout aside)"),
    CheckId.FLAGS_NOT_FALSE: CheckInfo(
        (Stage.DIFF,), "violation",
        "`full_output` or `show_analysis` handed in as anything but False"),
    CheckId.DIFF_EXCESSIVE: CheckInfo(
        (Stage.DIFF,), "warning", "changes far beyond what the task needs"),
    CheckId.SEED: CheckInfo(_BOTH, "violation", "any seeding of a random number generator"),
    CheckId.FRAMEWORK: CheckInfo(
        (Stage.STATIC,), "violation", "a model framework other than TensorFlow"),
    CheckId.TEST_DATA_USE: CheckInfo(
        _BOTH, "violation",
        "test-set variables used outside the provided code; test rows reaching training"),
    CheckId.PRETRAINED: CheckInfo(
        _BOTH, "violation",
        "weights or models loaded from files, or weights set other than by training"),
    CheckId.LAYERS_REQUIRED: CheckInfo(
        _BOTH, "violation",
        "no convolution (task1) / recurrent (task2) layer in the model, or one that does no work"),
    CheckId.SANDBOX_FILE: CheckInfo(_BOTH, "violation", "files other than the dataset"),
    CheckId.SANDBOX_NETWORK: CheckInfo(_BOTH, "violation", "sockets opened: network use"),
    CheckId.SANDBOX_PROCESS: CheckInfo(
        _BOTH, "violation", "processes started, or code built and run at run time"),
    CheckId.MONKEYPATCH: CheckInfo(
        (Stage.STATIC,), "violation", "library or builtin functions patched"),
    CheckId.RUN_FAILED: CheckInfo(_RUN, "violation", "a run crashed"),
    CheckId.RUN_TIMEOUT: CheckInfo(_RUN, "violation", "a run passed the hard time limit"),
    CheckId.RUN_MEMORY: CheckInfo(_RUN, "violation", "a run ran out of memory"),
    CheckId.OUTPUT_FORMAT: CheckInfo(
        _RUN, "violation", "stdout is not exactly the provided lines"),
    CheckId.OUTPUT_MISMATCH: CheckInfo(
        _RUN, "violation",
        "the printed error, model size or duration disagrees with what the grader measured, "
        "or results printed without the provided evaluation"),
    CheckId.PARAMS_MAX: CheckInfo(_RUN, "violation", "over the task's parameter limit"),
    CheckId.ERROR_MAX: CheckInfo(_RUN, "violation", "over the task's mean-error limit"),
    CheckId.TIME_MAX: CheckInfo(_RUN, "violation", "over the task's mean-time limit"),
    CheckId.RUNS_DETERMINISTIC: CheckInfo(
        _RUN, "warning", "all runs gave identical results: seeding suspected"),
    CheckId.DATASET_MODIFIED: CheckInfo(_RUN, "violation", "the dataset copy changed during a run"),
    CheckId.TRAINING_NONE: CheckInfo(
        _RUN, "violation",
        "no gradient-descent training observed, or none that changed the model"),
    CheckId.SIMILARITY: CheckInfo(
        (Stage.REVIEW,), "warning",
        "own code much like another student's or a known solution's, or byte-identical"),
}
# fmt: on
