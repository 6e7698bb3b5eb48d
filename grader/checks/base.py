"""The two kinds of check and the contexts they read. Checks are pure: context in, findings out.

A context carries what several checks would otherwise each compute: the static checks share one
scan of the file (:attr:`TaskContext.scan`), the runtime checks the judge's parse of every run's
stdout and its summary of the task (:class:`RunContext`), so no check re-derives them and none
needs a cache of its own.
"""

from __future__ import annotations

import ast
from abc import ABC, abstractmethod
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cached_property
from typing import ClassVar

from grader.ids import CHECKS, CheckId
from grader.pysource.scan import Scan, build_scan
from grader.records import (
    Finding,
    OriginalScript,
    ParsedOutput,
    RunMetrics,
    RunOutcome,
    Severity,
    SourceFile,
    TaskSummary,
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

    @cached_property
    def scan(self) -> Scan:
        """The one walk of :attr:`tree` every static check reads, made when the first asks.

        Kept in this context, so it lives exactly as long as the context the static stage builds
        for the file. A tree too deep to scan raises here, in each check that reads it, and each
        such check becomes a warning of its own, while the diff checks (which never read it) run.
        """
        return build_scan(self.tree)


@dataclass(frozen=True)
class RunContext:
    """All runs of one task of one submission, after the runs ended, as the judge read them."""

    assignment: Assignment
    task: TaskSpec
    original: OriginalScript
    file_name: str
    outcomes: tuple[RunOutcome, ...]
    metrics: tuple[RunMetrics, ...]  # parsed from each outcome's stdout, same order
    #: each outcome's stdout against the provided lines, same order; None where the run did not
    #: exit normally, so there was nothing to parse
    parsed: tuple[ParsedOutput | None, ...]
    summary: TaskSummary  # of all the runs above, as the verdict sees it


class _Check(ABC):
    id: ClassVar[CheckId]

    @property
    def severity(self) -> Severity:
        """The default severity of this check's id, from the table in :mod:`grader.ids` (an id
        outside it, a test's stand-in, counts as a violation)."""
        info = CHECKS.get(self.id)
        return Severity(info.severity) if info is not None else Severity.VIOLATION

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
