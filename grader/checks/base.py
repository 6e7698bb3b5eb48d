"""The two kinds of check and the contexts they read. Checks are pure: context in, findings out."""

from __future__ import annotations

import ast
from abc import ABC, abstractmethod
from collections.abc import Iterable
from dataclasses import dataclass
from typing import ClassVar

from grader.records import (
    Finding,
    OriginalScript,
    RunMetrics,
    RunOutcome,
    Severity,
    SourceFile,
)
from grader.spec import Assignment, TaskSpec


@dataclass(frozen=True)
class TaskContext:
    """One task file of one submission, parsed, beside its provided original."""

    assignment: Assignment
    task: TaskSpec
    file: SourceFile  # text is never None here
    tree: ast.Module
    original: OriginalScript
    #: lines of the submission that belong to provided regions (as matched against the original);
    #: static checks skip what the provided code itself does (it opens the dataset, uses test_x ...)
    provided_lines: frozenset[int]


@dataclass(frozen=True)
class RunContext:
    """All runs of one task of one submission, after the runs ended."""

    assignment: Assignment
    task: TaskSpec
    original: OriginalScript
    file_name: str
    outcomes: tuple[RunOutcome, ...]
    metrics: tuple[RunMetrics, ...]  # parsed from each outcome's stdout, same order


class _Check(ABC):
    id: ClassVar[str]
    severity: ClassVar[Severity] = Severity.VIOLATION

    def finding(
        self, message: str, *, file: str | None = None, line: int | None = None,
        severity: Severity | None = None,
    ) -> Finding:
        return Finding(self.id, severity or self.severity, message, file, line)


class StaticCheck(_Check):
    """A diff or static check: reads one task file, never runs it."""

    @abstractmethod
    def check(self, ctx: TaskContext) -> Iterable[Finding]: ...


class RuntimeCheck(_Check):
    """A runtime check: reads the outcomes of a task's runs."""

    @abstractmethod
    def check(self, ctx: RunContext) -> Iterable[Finding]: ...
