"""How much a submission changed against its original: the unified diff, and where the churn is.

The assignment asks students not to modify the scripts excessively: "I will be correcting your
program by checking what was changed from the original provided scripts". Filling the student
regions is the task; changes elsewhere (the header, the provided regions, the space between
regions) are what slows a marker down. So changed lines are counted by zone, on code lines only:
blank lines and comment-only lines are layout, not change.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass

from grader.records import DiffSummary, OriginalScript


@dataclass(frozen=True)
class Churn:
    """Code lines added plus removed, inside the student regions and outside them."""

    student: int
    outside: int


def diff_summary(original: OriginalScript, text: str, *, name: str) -> DiffSummary:
    """The unified diff of ``text`` against the original, and its added and removed line counts."""
    lines = list(difflib.unified_diff(
        original.text.splitlines(keepends=True), text.splitlines(keepends=True),
        fromfile=f"original/{name}", tofile=f"submission/{name}",
    ))
    added = sum(1 for line in lines if line.startswith("+") and not line.startswith("+++"))
    removed = sum(1 for line in lines if line.startswith("-") and not line.startswith("---"))
    unified = "".join(line if line.endswith("\n") else line + "\n\\ No newline at end of file\n"
                      for line in lines)
    return DiffSummary(lines_added=added, lines_removed=removed, unified=unified)


def _code_lines(text: str) -> list[tuple[int, str]]:
    """(line number, stripped text) of every line that holds code."""
    out = []
    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        if stripped and not stripped.startswith("#"):
            out.append((number, stripped))
    return out


def measure_churn(original: OriginalScript, text: str) -> Churn:
    """Changed code lines by zone, from a line diff against the original.

    A removed line belongs to the zone it was in. Added lines belong to the student zone when a
    student region lies within the stretch of the original they replace or sit in (from the kept
    code line before them to the kept code line after them), so code written just after a region's
    END marker, or into a region that holds no code yet, still counts as the student's.
    """
    students = [r for r in original.regions if r.kind == "student"]
    student_lines = {n for r in students for n in range(r.start, r.end + 1)}
    ours, theirs = _code_lines(original.text), _code_lines(text)
    in_student = [number in student_lines for number, _ in ours]
    matcher = difflib.SequenceMatcher(
        None, [line for _, line in ours], [line for _, line in theirs], autojunk=False
    )
    student = outside = 0
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            continue
        removed_student = sum(in_student[i1:i2])
        student += removed_student
        outside += (i2 - i1) - removed_student
        before = ours[i1 - 1][0] if i1 > 0 else 0
        after = ours[i2][0] if i2 < len(ours) else len(original.text.splitlines()) + 1
        if any(r.start <= after and before <= r.end for r in students):
            student += j2 - j1
        else:
            outside += j2 - j1
    return Churn(student=student, outside=outside)
