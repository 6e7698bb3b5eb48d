"""Feedback a student can be given: one self-contained page each, and Moodle's bulk-upload zip.

A feedback page holds one student's marks and their breakdown, each finding in plain words with
the line it points at, their runs, their sensitivity figure and their diff against the provided
script, and nothing about anyone else: no class table, no other id, no leaderboard place, no
link out of the page (its stylesheet is inline, its figure a ``data:`` URI, every link an anchor
within the page). What is disclosed is the instructor's choice (``HIDEABLE``).

Moodle's "Upload multiple feedback files in a zip" matches each file to a participant by the
first folder of its path, ``<full name>_<participant id>_<plugin type>_<plugin name>``, split on
underscores (``assignfeedback_file_zip_importer::is_valid_filename_for_import`` in
``mod/assign/feedback/file/importziplib.php``, github.com/moodle/moodle: the participant id is
the second part and must be a participant's; ``assignfeedback`` ``file`` is the feedback-files
plugin). So each page goes to ``Ada Lovelace_101_assignfeedback_file/feedback.html``, the name
with its underscores as spaces, as Moodle's own download writes it; a student without a Moodle
participant id is listed, not guessed.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from markupsafe import Markup

from grader.ids import CHECKS, CheckId
from grader.marks import ClassMarks
from grader.materials import templates
from grader.records import SubmissionResult
from grader.report.atomic import write_atomic, write_atomic_bytes
from grader.report.formatting import page_names
from grader.report.marks_view import MarksView, marks_view
from grader.report.student_view import FindingView, TaskSection, task_section
from grader.spec import Assignment

#: what an instructor may leave out of the pages
HIDEABLE = ("harness", "thresholds", "runs", "figure", "diff", "overrides")
MOODLE_ZIP = "moodle-feedback.zip"
MOODLE_FOLDER = "{name}_{participant}_assignfeedback_file"
PAGE_NAME = "feedback.html"
_PARTICIPANT = re.compile(r"^\d+$")


@dataclass(frozen=True)
class PlainFinding:
    severity: str
    check: str
    plain: str  # what the check looks for, in words (the ids table's "finds")
    message: str
    location: str
    href: str
    code: str  # the line it points at, as handed in ("" when none)


@dataclass(frozen=True)
class FeedbackView:
    assignment: str
    id: str
    name: str
    marks: MarksView | None
    sections: tuple[TaskSection, ...]
    findings: dict[str, tuple[PlainFinding, ...]]  # by task id
    hide: frozenset[str]
    style: str  # the report's stylesheet, inline: the page needs no other file


@dataclass(frozen=True)
class FeedbackBatch:
    pages: dict[str, Path]  # student id -> page
    zip_path: Path | None
    not_in_zip: tuple[str, ...]  # students without a Moodle participant id


def _lines(section: TaskSection) -> dict[str, str]:
    if section.diff is None:
        return {}
    return {line.anchor: line.text for block in section.diff.blocks for line in block.lines
            if line.anchor}


def plain_finding(finding: FindingView, *, code: dict[str, str]) -> PlainFinding:
    info = CHECKS.get(CheckId(finding.check)) if finding.check in set(CheckId) else None
    return PlainFinding(finding.severity.label, finding.check, info.finds if info else "",
                        finding.message, finding.location, finding.href,
                        code.get(finding.href.lstrip("#"), ""))


def feedback_view(result: SubmissionResult, *, assignment: Assignment, marks: ClassMarks,
                  hide: frozenset[str], style: str) -> FeedbackView:
    sections = []
    findings = {}
    for task in assignment.tasks:
        task_result = result.tasks.get(task.id)
        if task_result is None:
            continue
        section = task_section(task_result, task=task)  # no ranking: that is about others
        if "thresholds" in hide:
            section = replace(section, limits="", strip=None)
        if "harness" in hide:
            section = replace(section, models=(), observed=())
        findings[task.id] = tuple(plain_finding(f, code=_lines(section))
                                  for f in section.findings)
        sections.append(section)
    found = marks_view(marks.students.get(result.id), scheme_set=marks.scheme is not None)
    if found is not None and "thresholds" in hide:
        found = replace(found, tasks=tuple(replace(t, interval="", flags=()) for t in found.tasks))
    return FeedbackView(assignment.name, result.id, result.hand_in.name, found, tuple(sections),
                        findings, hide, style)


def participant(result: SubmissionResult) -> str | None:
    """The Moodle participant id of a student, when the grader knows one."""
    for key in (result.hand_in.vle_id, result.id):
        if key and _PARTICIPANT.match(key):
            return key
    return None


def moodle_folder(result: SubmissionResult) -> str | None:
    number = participant(result)
    if number is None:
        return None
    name = " ".join((result.hand_in.name or "Participant").replace("_", " ").split())
    return MOODLE_FOLDER.format(name=name.replace("/", " "), participant=number)


def write_feedback(*, results: Sequence[SubmissionResult], marks: ClassMarks,
                   assignment: Assignment, out_dir: Path, hide: frozenset[str] = frozenset(),
                   moodle_zip: bool = False) -> FeedbackBatch:
    """A page per student into ``out_dir``, and Moodle's zip of them when asked."""
    from grader.report.render import environment  # Jinja2 loads here

    unknown = hide - set(HIDEABLE)
    if unknown:
        raise ValueError(f"cannot hide {', '.join(sorted(unknown))} (one of "
                         f"{', '.join(HIDEABLE)})")
    template = environment().get_template("feedback.html.j2")
    style = Markup((templates() / "report.css").read_text(encoding="utf-8"))  # ours, trusted
    names = page_names([r.id for r in results])
    pages: dict[str, Path] = {}
    archive = io.BytesIO()
    not_in_zip: list[str] = []
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as bundle:
        for result in results:
            html = template.render(view=feedback_view(result, assignment=assignment, marks=marks,
                                                      hide=hide, style=style))
            pages[result.id] = write_atomic(out_dir / names[result.id], html)
            folder = moodle_folder(result)
            if folder is None:
                not_in_zip.append(result.id)
            else:
                bundle.writestr(f"{folder}/{PAGE_NAME}", html)
    zip_path = None
    if moodle_zip:
        zip_path = write_atomic_bytes(out_dir / MOODLE_ZIP, archive.getvalue())
    return FeedbackBatch(pages, zip_path, tuple(not_in_zip))
