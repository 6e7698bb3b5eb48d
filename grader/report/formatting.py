"""How values read in the report: numbers, missing values, verdict and severity badges, file names.

Pure functions of plain values, so the view layer and the grades export agree on every number and
the templates never format anything themselves. A missing value is always shown as an em dash:
an empty cell would look like a rendering fault, a zero would be a lie.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import UTC, datetime

from grader.records import RunStatus, Severity, Verdict

#: what the report shows for a value that does not exist (no successful run, no file ...)
MISSING = "—"


@dataclass(frozen=True)
class Badge:
    """A labelled, coloured chip: ``css`` picks the colour, ``title`` explains it on hover."""

    label: str
    css: str
    title: str


_VERDICTS: dict[Verdict, tuple[str, str]] = {
    Verdict.HIGH_PERFORMANCE: (
        "high performance",
        ("valid, and the mean error is at or under the high-performance line"),
    ),
    Verdict.VALID: ("valid", "no violation, and every run finished"),
    Verdict.INVALID: ("invalid", "at least one finding is a violation"),
    Verdict.INCOMPLETE: ("incomplete", "no violation so far, but runs are still missing"),
    Verdict.MISSING: ("missing", "the task file was not handed in"),
}

#: best first: sorting a column of verdicts ascending lists the best submissions first
VERDICT_ORDER: tuple[Verdict, ...] = (
    Verdict.HIGH_PERFORMANCE,
    Verdict.VALID,
    Verdict.INCOMPLETE,
    Verdict.INVALID,
    Verdict.MISSING,
)

_RUN_STATUS: dict[RunStatus, tuple[str, str]] = {
    RunStatus.OK: ("ok", "exited normally and printed the three lines"),
    RunStatus.FAILED: ("failed", "the script crashed or exited with an error"),
    RunStatus.TIMEOUT: ("timeout", "killed at the hard time limit"),
    RunStatus.MEMORY: ("out of memory", "stopped at the memory limit"),
    RunStatus.BAD_OUTPUT: ("bad output", "exited normally but did not print the three lines"),
}


def verdict_badge(verdict: Verdict | None) -> Badge:
    if verdict is None:
        return Badge(MISSING, "verdict-none", "this task was not graded in this batch")
    label, title = _VERDICTS[verdict]
    return Badge(label, f"verdict-{verdict.value}", title)


def verdict_rank(verdict: Verdict | None) -> int:
    """A sort key: 0 for high performance ... 4 for missing, 5 for not graded."""
    return VERDICT_ORDER.index(verdict) if verdict is not None else len(VERDICT_ORDER)


def severity_badge(severity: Severity) -> Badge:
    return Badge(
        severity.value,
        f"severity-{severity.value}",
        {
            Severity.VIOLATION: "makes the task invalid",
            Severity.WARNING: "worth a look; does not change the verdict",
            Severity.INFO: "for information",
        }[severity],
    )


def severity_rank(severity: Severity) -> int:
    return (Severity.VIOLATION, Severity.WARNING, Severity.INFO).index(severity)


def status_badge(status: RunStatus) -> Badge:
    label, title = _RUN_STATUS[status]
    return Badge(label, f"status-{status.value}", title)


def pct(value: float | None, *, digits: int = 2) -> str:
    return MISSING if value is None else f"{value:.{digits}f} %"


def pct_spread(mean: float | None, std: float | None) -> str:
    """``4.12 ± 0.35 %``: the mean error with the sample standard deviation of the runs."""
    if mean is None:
        return MISSING
    if std is None:
        return pct(mean)
    return f"{mean:.2f} ± {std:.2f} %"


def count(value: int | None) -> str:
    """An integer with thousands separators (``1,000,000``), as the assignment writes limits."""
    return MISSING if value is None else f"{value:,}"


def seconds(value: float | None) -> str:
    """``41.5 s`` under 100 s, whole seconds above (``241 s``): the limits are in seconds too."""
    if value is None:
        return MISSING
    return f"{value:.1f} s" if value < 100 else f"{value:.0f} s"


def megabytes(value: float | None) -> str:
    return MISSING if value is None else f"{value:,.0f} MB"


def number_key(value: float | None) -> str:
    """A ``data-sort`` value: the number in plain notation, empty (sorted last) when missing."""
    return "" if value is None else repr(float(value))


def timestamp(iso: str) -> str:
    """``2025-01-31T14:05:00+00:00`` as ``2025-01-31 14:05:00 UTC``; anything else unchanged."""
    try:
        moment = datetime.fromisoformat(iso)
    except ValueError:
        return iso
    if moment.tzinfo is None:
        return moment.strftime("%Y-%m-%d %H:%M:%S")
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def setting_value(value: object) -> str:
    """A machine or settings value as a person reads it (lists joined, None as a dash)."""
    if value is None:
        return MISSING
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list | tuple):
        return ", ".join(setting_value(v) for v in value) or MISSING
    if isinstance(value, float) and value.is_integer():
        return f"{value:.0f}"
    return str(value)


def setting_label(key: str) -> str:
    """``threads_per_run`` as ``threads per run``; ``timeout_s`` as ``timeout (s)``."""
    for suffix, unit in (("_s", "s"), ("_mb", "MB"), ("_pct", "%")):
        if key.endswith(suffix):
            return f"{key[: -len(suffix)].replace('_', ' ')} ({unit})"
    return key.replace("_", " ")


_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")
_MAX_STEM = 60


def page_names(ids: list[str]) -> dict[str, str]:
    """A file name per student id (``alice.html``), safe on every file system and unique.

    Ids come from folder and archive names, so they may hold spaces, slashes, unicode or markup.
    A name that had to be changed, or that would collide with another when case is ignored (as on
    macOS and Windows), gets a short hash of the id, so two ids never share a page.
    """
    stems = {
        student: _UNSAFE.sub("_", student).strip("._")[:_MAX_STEM] or "student" for student in ids
    }
    folded: dict[str, int] = {}
    for stem in stems.values():
        folded[stem.lower()] = folded.get(stem.lower(), 0) + 1
    names: dict[str, str] = {}
    for student, stem in stems.items():
        if stem != student or folded[stem.lower()] > 1:
            stem = f"{stem}-{hashlib.sha256(student.encode()).hexdigest()[:8]}"
        names[student] = f"{stem}.html"
    return names
