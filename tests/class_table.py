"""The table of ``submissions/README.md``: what each student of the example class must get."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from grader.records import Verdict

CLASS = Path(__file__).resolve().parent.parent / "submissions"


@dataclass(frozen=True)
class Row:
    student: str
    task: str
    verdict: Verdict
    checks: frozenset[str]


def read_table(text: str) -> list[Row]:
    """The rows of the README's table: student, task, what it shows, verdict, checks."""
    rows = []
    for line in text.splitlines():
        if not line.startswith("| `"):
            continue
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        student, task, _shows, verdict, checks = cells
        rows.append(
            Row(
                student=student.strip("`"),
                task=task,
                verdict=Verdict(verdict.strip("`")),
                checks=frozenset(re.findall(r"`([a-z_.]+)`", checks)),
            )
        )
    return rows


ROWS = read_table((CLASS / "README.md").read_text(encoding="utf-8"))
