"""What ``grader check`` shows: findings as ``file:line: [severity] check-id: message``, a verdict
per task, or the same findings in the results.json finding format.

Pure: results in, lines (with a style name for colour) or JSON-ready data out; the CLI prints.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from grader.ids import CheckId
from grader.records import Finding, Severity, StaticResult, Submission
from grader.review.readability import Note

#: readability notes per (student id, task id): advisory, printed after the findings
Notes = Mapping[tuple[str, str], Sequence[Note]]

Checked = Sequence[tuple[Submission, dict[str, StaticResult]]]

SEVERITY_STYLE = {Severity.VIOLATION: "bold red", Severity.WARNING: "yellow", Severity.INFO: "dim"}


@dataclass(frozen=True)
class Line:
    text: str
    style: str = ""  # a rich style, used only on a terminal


def violations(result: StaticResult) -> int:
    return sum(f.severity is Severity.VIOLATION for f in result.findings)


def has_violation(checked: Checked) -> bool:
    return any(violations(r) for _, results in checked for r in results.values())


def task_verdict(result: StaticResult) -> str:
    """The static stage's word on a task; the runs still decide validity and performance."""
    if any(f.check == CheckId.FILES_MISSING for f in result.findings):
        return "missing"
    count = violations(result)
    if count:
        return f"invalid: {count} violation{'s' if count != 1 else ''}"
    return "no violations found by static checks"


def _where(finding: Finding, submission: Submission, task_file: str, task_path: str | None) -> str:
    """``file:line``, with the task file's name replaced by where it was found."""
    file = finding.file or submission.source
    if finding.file == task_file and task_path is not None:
        file = task_path
    return f"{file}:{finding.line}" if finding.line is not None else file


def _expected_path(submission: Submission, task_file: str) -> str:
    joint = "" if submission.source.endswith((":", "/")) else "/"
    return f"{submission.source}{joint}{task_file}"


def check_lines(checked: Checked, *, task_files: dict[str, str],
                notes: Notes | None = None) -> list[Line]:
    """The human-readable report: per student and task, findings then a verdict."""
    lines: list[Line] = []
    for submission, results in checked:
        lines.append(Line(f"{submission.id}  ({submission.source})", "bold"))
        for task_id, result in results.items():
            file = submission.files.get(task_id)
            # where the task file is, or where it was expected
            path = file.path if file else _expected_path(submission, task_files[task_id])
            lines.append(Line(f"  {task_id}: {path}"))
            for finding in result.findings:
                where = _where(finding, submission, task_files[task_id], path)
                lines.append(
                    Line(
                        f"    {where}: [{finding.severity}] {finding.check}: {finding.message}",
                        SEVERITY_STYLE[finding.severity],
                    )
                )
            for note in (notes or {}).get((submission.id, task_id), ()):
                lines.append(Line(f"    {path}:{note.line}: [note] {note.kind}: {note.message}",
                                  "dim"))
            verdict = task_verdict(result)
            style = "green" if verdict.startswith("no violations") else "bold red"
            lines.append(Line(f"    => {verdict}", "yellow" if verdict == "missing" else style))
    return lines


def check_json(checked: Checked, *, notes: Notes | None = None) -> list[dict[str, Any]]:
    """The findings in the results.json finding format, and the readability notes."""
    return [
        {
            "id": submission.id,
            "tasks": {
                task_id: {
                    "findings": [f.to_json() for f in result.findings],
                    "notes": [{"line": n.line, "kind": n.kind, "message": n.message,
                               "rule": n.rule}
                              for n in (notes or {}).get((submission.id, task_id), ())],
                }
                for task_id, result in results.items()
            },
        }
        for submission, results in checked
    ]
