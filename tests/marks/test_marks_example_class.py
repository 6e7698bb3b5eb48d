"""The example class's marks under the shipped scheme: ``submissions/README.md``'s marks table is
the contract, computed here from the verdicts and checks of its main table (the mean errors do
not enter: the shipped scheme has no steps, so a verdict decides a task's share)."""

from __future__ import annotations

import re

from grader.ids import CHECKS, CheckId
from grader.marks import mark_student
from grader.records import Finding, Severity, SubmissionResult, TaskResult, Verdict
from grader.spec import Assignment
from tests.class_table import CLASS, ROWS

HEADER = "| student | task1 | task2 | mark |"


def marks_table(text: str) -> dict[str, list[str]]:
    lines = text.splitlines()
    start = lines.index(HEADER) + 2
    table = {}
    for line in lines[start:]:
        if not line.startswith("| "):
            break
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        table[cells[0]] = cells[1:]
    return table


def expected(assignment: Assignment) -> dict[str, list[str]]:
    scheme = assignment.marking
    assert scheme is not None
    students: dict[str, dict[str, TaskResult]] = {}
    for row in ROWS:
        findings = tuple(Finding(c, Severity(CHECKS[CheckId(c)].severity), "") for c in
                         sorted(row.checks))
        students.setdefault(row.student, {})[row.task] = TaskResult(row.task, row.verdict,
                                                                    findings)
    table = {}
    for student, tasks in students.items():
        marks = mark_student(SubmissionResult(student, "", "", tasks), assignment=assignment,
                             scheme=scheme)
        cells = ["; ".join(a.text for a in m.breakdown) + f" → {m.mark:g}/{m.weight:g}"
                 for m in marks.tasks.values()]
        table[student] = [*cells, f"{marks.mark:g}"]
    return table


def test_the_readme_marks_table_is_the_schemes(assignment: Assignment) -> None:
    readme = (CLASS / "README.md").read_text(encoding="utf-8")
    assert marks_table(readme) == expected(assignment)


def test_the_table_can_fail(assignment: Assignment) -> None:
    """A wrong mark in the README is seen (the reader reads the rows the test compares)."""
    readme = (CLASS / "README.md").read_text(encoding="utf-8")
    wrong = re.sub(r"(\| s2302288_ben \|.*\| )70 \|", r"\g<1>71 |", readme)
    assert wrong != readme and marks_table(wrong) != expected(assignment)
    assert Verdict.VALID.value in marks_table(readme)["s2302288_ben"][0]
