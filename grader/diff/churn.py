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
from functools import lru_cache

from grader.pysource.lines import line_texts
from grader.records import DiffSummary, OriginalScript


@dataclass(frozen=True)
class Churn:
    """Code lines added plus removed, inside the student regions and outside them."""

    student: int
    outside: int


def _lines(text: str) -> list[str]:
    """Lines ending in "\\n" whatever the file used: a file saved on Windows is not all changed."""
    return [line + "\n" for line in line_texts(text)]


def _code_lines(text: str) -> list[tuple[int, str]]:
    """(line number, stripped text) of every line that holds code."""
    out = []
    for number, line in enumerate(line_texts(text), start=1):
        stripped = line.strip()
        if stripped and not stripped.startswith("#"):
            out.append((number, stripped))
    return out


@lru_cache(maxsize=16)
def _matcher(original: OriginalScript, code_only: bool) -> difflib.SequenceMatcher[str]:
    """A matcher holding the original as its second sequence.

    ``SequenceMatcher`` indexes its second sequence, so keeping the original there (and setting
    each submission as the first) indexes the original once per process instead of once per
    submission; the opcodes are read the other way round.
    """
    lines = [line for _, line in _code_lines(original.text)] if code_only else _lines(original.text)
    matcher: difflib.SequenceMatcher[str] = difflib.SequenceMatcher(None, autojunk=False)
    matcher.set_seq2(lines)
    return matcher


def _swap(tag: str, i1: int, i2: int, j1: int, j2: int) -> tuple[str, int, int, int, int]:
    """An opcode of (submission -> original) as one of (original -> submission)."""
    return {"insert": "delete", "delete": "insert"}.get(tag, tag), j1, j2, i1, i2


def _range(start: int, stop: int) -> str:
    """A unified-diff hunk range, as ``difflib`` and ``diff -u`` write it."""
    length = stop - start
    if length == 1:
        return f"{start + 1}"
    return f"{start + 1 if length else start},{length}"


def diff_summary(original: OriginalScript, text: str, *, name: str) -> DiffSummary:
    """The unified diff of ``text`` against the original, and its added and removed line counts."""
    ours, theirs = _lines(original.text), _lines(text)
    matcher = _matcher(original, False)
    matcher.set_seq1(theirs)
    out: list[str] = []
    added = removed = 0
    for group in matcher.get_grouped_opcodes(3):
        hunk = [_swap(*opcode) for opcode in group]
        out.append(f"@@ -{_range(hunk[0][1], hunk[-1][2])} +{_range(hunk[0][3], hunk[-1][4])} @@\n")
        for tag, i1, i2, j1, j2 in hunk:
            if tag == "equal":
                out += [" " + line for line in ours[i1:i2]]
                continue
            out += ["-" + line for line in ours[i1:i2]]
            out += ["+" + line for line in theirs[j1:j2]]
            removed, added = removed + i2 - i1, added + j2 - j1
    if out:
        out[:0] = [f"--- original/{name}\n", f"+++ submission/{name}\n"]
    unified = "".join(out)
    return DiffSummary(lines_added=added, lines_removed=removed, unified=unified)


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
    matcher = _matcher(original, True)
    matcher.set_seq1([line for _, line in theirs])
    student = outside = 0
    for tag, i1, i2, j1, j2 in (_swap(*opcode) for opcode in matcher.get_opcodes()):
        if tag == "equal":
            continue
        removed_student = sum(in_student[i1:i2])
        student += removed_student
        outside += (i2 - i1) - removed_student
        before = ours[i1 - 1][0] if i1 > 0 else 0
        after = ours[i2][0] if i2 < len(ours) else len(line_texts(original.text)) + 1
        if any(r.start <= after and before <= r.end for r in students):
            student += j2 - j1
        else:
            outside += j2 - j1
    return Churn(student=student, outside=outside)
