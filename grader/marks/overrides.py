"""``overrides.toml`` beside the report: an instructor's decisions, each on the record.

::

    [[override]]
    student = "s2302288_ben"
    task = "task2"
    sha256 = "3f5a9c0e1b2d"          # the task file it was decided on (8 or more hex digits)
    verdict = "high_performance"     # and/or share = 85 (% of the task's marks)
    waive = ["diff.excessive"]       # findings that no longer count towards the mark
    reason = "interval straddles 9 %; the five extra runs all came out under it"
    by = "A. Marker"
    at = 2026-12-01T10:00:00Z

The file is read whenever outputs are rendered (``grader report DIR`` picks it up, running
nothing), and never changes the store: the machine's verdict stays in ``results.json`` beside the
one that counts. A decision names the file it was made on; when the student hands in a new file,
the decision is stale, shown as such and not applied, so nobody's mark moves on a decision made
about other code. A file that cannot be read is one ``OverrideError`` line, never a traceback.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping, Sequence
from datetime import date, datetime
from pathlib import Path
from typing import Any

from grader.ids import CheckId
from grader.marks.model import AppliedOverride, Override
from grader.records import SubmissionResult, Verdict

OVERRIDES_NAME = "overrides.toml"
MIN_HASH = 8


class OverrideError(ValueError):
    """``overrides.toml`` cannot be read or holds a decision the grader cannot apply."""


def read_overrides(path: Path) -> tuple[Override, ...]:
    """Every decision in ``path`` (none when the file does not exist)."""
    if not path.exists():
        return ()
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise OverrideError(f"cannot read {path}: {exc}") from exc
    except tomllib.TOMLDecodeError as exc:
        raise OverrideError(f"{path}: not valid TOML: {exc}") from exc
    entries = data.get("override", [])
    if not isinstance(entries, list):
        raise OverrideError(f"{path}: write each decision as an [[override]] table")
    return tuple(_override(entry, where=f"{path}: override {n}")
                 for n, entry in enumerate(entries, start=1))


def _text(entry: Mapping[str, Any], key: str, where: str) -> str:
    value = entry.get(key)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if not isinstance(value, str) or not value.strip():
        raise OverrideError(f"{where}: {key} is required (who decided, when and why is the "
                            "record an override leaves)")
    return value.strip()


def _override(entry: Any, *, where: str) -> Override:
    if not isinstance(entry, dict):
        raise OverrideError(f"{where}: not a table")
    unknown = set(entry) - {"student", "task", "sha256", "verdict", "share", "waive", "reason",
                            "by", "at"}
    if unknown:
        raise OverrideError(f"{where}: unknown key(s) {', '.join(sorted(unknown))}")
    sha = _text(entry, "sha256", where).lower()
    if len(sha) < MIN_HASH or any(c not in "0123456789abcdef" for c in sha):
        raise OverrideError(f"{where}: sha256 must be the task file's hash (at least {MIN_HASH} "
                            "hex digits; the student page shows it)")
    verdict = entry.get("verdict")
    if verdict is not None and verdict not in {v.value for v in Verdict}:
        raise OverrideError(f"{where}: unknown verdict {verdict!r}")
    share = entry.get("share")
    if share is not None and (isinstance(share, bool) or not isinstance(share, int | float)
                              or not 0 <= share <= 100):
        raise OverrideError(f"{where}: share must be a number from 0 to 100 (% of the task)")
    waive = entry.get("waive", [])
    if not isinstance(waive, list) or any(w not in set(CheckId) for w in waive):
        raise OverrideError(f"{where}: waive must list check ids (README: Checks)")
    if verdict is None and share is None and not waive:
        raise OverrideError(f"{where}: sets nothing (verdict, share or waive)")
    return Override(
        student=_text(entry, "student", where), task=_text(entry, "task", where), sha256=sha,
        reason=_text(entry, "reason", where), by=_text(entry, "by", where),
        at=_text(entry, "at", where), verdict=verdict,
        share=None if share is None else float(share), waive=tuple(waive),
    )


def match_overrides(
    overrides: Sequence[Override], results: Sequence[SubmissionResult]
) -> tuple[dict[tuple[str, str], list[AppliedOverride]], list[Override]]:
    """Each decision against the class: by (student, task), applied or stale; and the ones that
    name no graded student or task (listed by the report, never silently dropped)."""
    files = {(r.id, t): tr.file_sha256 for r in results for t, tr in r.tasks.items()}
    found: dict[tuple[str, str], list[AppliedOverride]] = {}
    nobody: list[Override] = []
    for override in overrides:
        key = (override.student, override.task)
        if key not in files:
            nobody.append(override)
            continue
        current = files[key]
        stale = not (current and current.startswith(override.sha256))
        found.setdefault(key, []).append(AppliedOverride(override, stale, current))
    return found, nobody
