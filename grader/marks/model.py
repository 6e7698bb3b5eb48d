"""The records of the marks stage: intervals, overrides, a task's mark and a student's marks.

They live here rather than in ``records.py`` because only the stages after this one (report,
pipeline, cli) read them; they are frozen like every record that crosses a stage boundary, and
``to_json`` gives the form ``results.json`` (schema_version 3) writes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Interval:
    """A confidence interval of a task's mean error over its runs, in percent."""

    low: float
    high: float
    runs: int
    confidence: float
    thresholds: tuple[float, ...] = ()  # the verdict lines inside it: why it is borderline

    @property
    def borderline(self) -> bool:
        return bool(self.thresholds)

    def to_json(self) -> dict[str, Any]:
        return {"low": self.low, "high": self.high, "runs": self.runs,
                "confidence": self.confidence, "thresholds_inside": list(self.thresholds)}


@dataclass(frozen=True)
class Override:
    """One instructor decision from ``overrides.toml``: a task's verdict or share, or findings
    waived, with who made it, when and why, on the file whose hash it names."""

    student: str
    task: str
    sha256: str  # of the task file the decision was made on (a prefix of 8 or more is enough)
    reason: str
    by: str
    at: str
    verdict: str | None = None
    share: float | None = None  # % of the task's marks
    waive: tuple[str, ...] = ()  # check ids

    def to_json(self) -> dict[str, Any]:
        return {"student": self.student, "task": self.task, "sha256": self.sha256,
                "verdict": self.verdict, "share_pct": self.share, "waive": list(self.waive),
                "reason": self.reason, "by": self.by, "at": self.at}


@dataclass(frozen=True)
class AppliedOverride:
    """An override as it met the class: applied, or stale (the hand-in changed since)."""

    override: Override
    stale: bool
    current_sha256: str = ""  # the task file graded now

    def to_json(self) -> dict[str, Any]:
        return {**self.override.to_json(), "stale": self.stale,
                "current_sha256": self.current_sha256}


@dataclass(frozen=True)
class Adjustment:
    """One line of a breakdown: what it is and what it does to the share (or the mark)."""

    label: str  # "valid", "diff.excessive", "1 started day late", "override by ..."
    points: float  # the share it sets (``sets``) or adds (negative: a deduction)
    sets: bool = False

    @property
    def text(self) -> str:
        if self.sets:
            return f"{self.label}: {self.points:g} %"
        sign = "−" if self.points < 0 else "+"
        return f"{self.label}: {sign}{abs(self.points):g} %"

    def to_json(self) -> dict[str, Any]:
        return {"label": self.label, "points_pct": self.points, "sets": self.sets,
                "text": self.text}


@dataclass(frozen=True)
class TaskMark:
    task: str
    verdict: str  # the verdict that counts: the machine's, or an override's
    machine_verdict: str
    share: float  # % of the task's marks earned
    weight: float  # the task's marks
    breakdown: tuple[Adjustment, ...]
    interval: Interval | None = None
    overrides: tuple[AppliedOverride, ...] = ()
    waived: tuple[str, ...] = ()  # check ids an applied override waived
    file_sha256: str = ""  # the task file graded: what an override names
    more: Interval | None = None  # with the extra runs of a borderline task: shown, not judged
    more_mean: float | None = None

    @property
    def mark(self) -> float:
        return round(self.weight * self.share / 100, 2)

    @property
    def borderline(self) -> bool:
        return self.interval is not None and self.interval.borderline

    def to_json(self) -> dict[str, Any]:
        return {"verdict": self.verdict, "machine_verdict": self.machine_verdict,
                "share_pct": self.share, "weight": self.weight, "mark": self.mark,
                "breakdown": [a.to_json() for a in self.breakdown],
                "error_interval": self.interval.to_json() if self.interval else None,
                "borderline": self.borderline, "waived": list(self.waived),
                "file_sha256": self.file_sha256,
                "with_extra_runs": None if self.more is None else {
                    "mean_error_pct": self.more_mean, "interval": self.more.to_json()},
                "overrides": [o.to_json() for o in self.overrides]}


@dataclass(frozen=True)
class StudentMarks:
    student: str
    tasks: dict[str, TaskMark]
    mark: float
    out_of: float
    late: Adjustment | None = None  # the late policy's deduction, when it took anything
    stale: tuple[AppliedOverride, ...] = field(default=())  # overrides that no longer apply

    @property
    def borderline(self) -> tuple[str, ...]:
        return tuple(t for t, m in self.tasks.items() if m.borderline)

    @property
    def breakdown(self) -> str:
        """The whole mark in one line: every task's reasons, then the late policy."""
        parts = [f"{t}: " + "; ".join(a.text for a in m.breakdown) + f" → {m.mark:g}/"
                 f"{m.weight:g}" for t, m in self.tasks.items()]
        if self.late is not None:
            parts.append(self.late.text)
        return " | ".join(parts) + f" = {self.mark:g}/{self.out_of:g}"

    def to_json(self) -> dict[str, Any]:
        return {"mark": self.mark, "out_of": self.out_of, "breakdown": self.breakdown,
                "late": self.late.to_json() if self.late else None,
                "borderline_tasks": list(self.borderline),
                "stale_overrides": [o.to_json() for o in self.stale],
                "tasks": {t: m.to_json() for t, m in self.tasks.items()}}
