"""Diff checks and the token alignment behind them, driven by tests/diff_cases/cases.toml."""

from __future__ import annotations

import ast
import re
import tomllib
from pathlib import Path
from typing import Any

import pytest

from grader.checks.base import TaskContext
from grader.checks.diff import DIFF_CHECKS
from grader.checks.diff.excessive import DiffExcessive
from grader.diff.align import align_provided, describe
from grader.diff.churn import diff_summary, measure_churn
from grader.diff.verbatim import find_verbatim
from grader.original.parse import parse_original
from grader.records import Finding, OriginalScript, SourceFile
from grader.report.diffview import build_diff_view
from grader.report.patch import apply_unified
from grader.spec import Assignment

CASES_FILE = Path(__file__).resolve().parents[1] / "diff_cases" / "cases.toml"
CASES = tomllib.loads(CASES_FILE.read_text())["case"]


def apply_edits(text: str, edits: list[dict[str, Any]]) -> str:
    for edit in edits:
        new = edit["new"] * edit.get("repeat", 1)
        if edit.get("regex"):
            edited = re.sub(edit["old"], new, text, flags=re.MULTILINE)
            assert edited != text, f"stale case: {edit['old']!r} matches nothing"
        else:
            assert edit["old"] in text, f"stale case: {edit['old']!r} is not in the original"
            replacement = new + edit["old"] if edit.get("keep_old") else new
            edited = text.replace(edit["old"], replacement, 1)
        text = edited
    return text


def context(assignment: Assignment, task_id: str, text: str) -> TaskContext:
    task = assignment.task(task_id)
    original = parse_original(task)
    return TaskContext(
        assignment=assignment,
        task=task,
        file=SourceFile(name=task.file, path=f"case/{task.file}", sha256="0" * 64, text=text),
        tree=ast.parse(text),
        original=original,
        provided_lines=align_provided(original, text).provided_lines,
    )


def diff_findings(assignment: Assignment, task_id: str, text: str) -> list[Finding]:
    ctx = context(assignment, task_id, text)
    return [finding for check in DIFF_CHECKS for finding in check.check(ctx)]


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_case(case: dict[str, Any], assignment: Assignment) -> None:
    task_id = case.get("task", "task1")
    original = parse_original(assignment.task(task_id))
    text = apply_edits(original.text, case["edits"])
    findings = diff_findings(assignment, task_id, text)
    with_line = {e.split("@")[0] for e in case["expect"] if "@" in e}
    got = [f"{f.check}@{f.line}" if f.check in with_line else f.check for f in findings]
    assert sorted(got) == sorted(case["expect"]), (case["why"], [f.message for f in findings])


def test_two_kinds_of_finding_in_one_file(assignment: Assignment) -> None:
    text = apply_edits(
        parse_original(assignment.task("task1")).text,
        [
            {"old": "full_output = False", "new": "full_output = True"},
            {"old": "predictions != test_y", "new": "predictions == test_y"},
        ],
    )
    checks = sorted((f.check, f.line) for f in diff_findings(assignment, "task1", text))
    assert checks == [("flags.not_false", 8), ("protected.modified", 77)]


def test_untouched_originals_and_solutions_pass(assignment: Assignment) -> None:
    for task in assignment.tasks:
        for path in (task.original, task.solution):
            if path.is_file():
                assert diff_findings(assignment, task.id, path.read_text()) == [], path


def test_modified_message_quotes_both_sides(assignment: Assignment) -> None:
    text = parse_original(assignment.task("task1")).text.replace(
        "predictions != test_y", "predictions == test_y"
    )
    (finding,) = diff_findings(assignment, "task1", text)
    assert "test error, output and sensitivity analysis" in finding.message
    assert "`test_error = 100.0 * np.mean(predictions != test_y)`" in finding.message
    assert "`test_error = 100.0 * np.mean(predictions == test_y)`" in finding.message


def test_region_nested_in_a_block_is_modified(assignment: Assignment) -> None:
    original = parse_original(assignment.task("task1"))
    lines = original.text.splitlines(keepends=True)
    region = original.provided[-1]
    nested = [
        *lines[: region.start - 1],
        "if True:\n",
        *["    " + line if line.strip() else line for line in lines[region.start - 1 : region.end]],
        *lines[region.end :],
    ]
    findings = diff_findings(assignment, "task1", "".join(nested))
    assert [(f.check, f.line) for f in findings] == [("protected.modified", region.start + 1)]
    assert "indentation or block structure" in findings[0].message


def test_deleted_region_names_the_region(assignment: Assignment) -> None:
    original = parse_original(assignment.task("task1"))
    text = "".join(original.text.splitlines(keepends=True)[: original.provided[-1].start - 1])
    (finding,) = [
        f for f in diff_findings(assignment, "task1", text) if f.check == "protected.modified"
    ]
    assert "missing" in finding.message and "test error" in finding.message


def test_provided_lines_follow_the_region_and_skip_inserted_code(assignment: Assignment) -> None:
    original = parse_original(assignment.task("task1"))
    intact = align_provided(original, original.text).provided_lines
    assert {12, 40, 77, 102} <= intact and not intact & {52, 61}
    text = original.text.replace("del rows, images", "train_x = test_x\ndel rows, images")
    alignment = align_provided(original, text)
    assert 41 not in alignment.provided_lines  # the inserted statement is the student's
    assert {40, 42} <= alignment.provided_lines
    (change,) = alignment.matches[0].changes
    assert describe(change, alignment) == "line 41 `train_x = test_x` was inserted"


def test_moved_region_is_found_where_it_now_is(assignment: Assignment) -> None:
    original = parse_original(assignment.task("task1"))
    text = original.text.replace("model = None\n", "model = None\n" + "x = 1\n" * 30)
    alignment = align_provided(original, text)
    assert [m.status for m in alignment.matches] == ["intact", "intact"]
    assert alignment.matches[1].line == original.provided[1].start + 30


def test_diff_summary_counts_lines(assignment: Assignment) -> None:
    original = parse_original(assignment.task("task1"))
    text = original.text.replace("model = None\n", "model = build()\nmodel.compile()\n")
    summary = diff_summary(original, text, name="task1.py")
    assert (summary.lines_added, summary.lines_removed) == (2, 1)
    assert "+model = build()" in summary.unified and "-model = None" in summary.unified
    assert diff_summary(original, original.text, name="task1.py").unified == ""


def test_churn_zones(assignment: Assignment) -> None:
    original: OriginalScript = parse_original(assignment.task("task1"))
    assert measure_churn(original, original.text) == measure_churn(original, original.text + "\n")
    inside = measure_churn(original, original.text.replace("model = None\n", "model = 1\nx = 2\n"))
    assert (inside.student, inside.outside) == (3, 0)
    header = measure_churn(original, "import math\n" + original.text)
    assert (header.student, header.outside) == (0, 1)
    comments = measure_churn(
        original, original.text.replace("model = None\n", "# note\n\nmodel = None\n")
    )
    assert (comments.student, comments.outside) == (0, 0)


def test_excessive_threshold_is_calibrated_on_the_solutions(assignment: Assignment) -> None:
    for task in assignment.tasks:
        if task.solution.is_file():
            churn = measure_churn(parse_original(task), task.solution.read_text())
            assert churn.student * 2 < DiffExcessive.student_budget, task.id
            assert churn.outside <= DiffExcessive.outside_allowance // 2, task.id


def test_windows_line_endings_change_nothing(assignment: Assignment) -> None:
    original = parse_original(assignment.task("task1"))
    text = original.text.replace("\n", "\r\n")
    assert diff_findings(assignment, "task1", text) == []
    summary = diff_summary(original, text, name="task1.py")
    assert (summary.lines_added, summary.lines_removed) == (0, 0)


#: characters ``str.splitlines()`` breaks at and Python does not (it counts only \r\n, \r, \n)
ODD_BREAKS = ["\x0c", "\u2028"]


def odd_text(original: OriginalScript, odd: str) -> str:
    """The original with ``odd`` in its docstring and in a comment of each provided region."""
    return (
        original.text.replace('"""Assignment 3', f'"""Assignment 3{odd}', 1)
        .replace("import numpy as np\n", f"import numpy as np  # arrays {odd} here\n", 1)
        .replace("test_error = 100.0", f"# the error {odd} in percent\ntest_error = 100.0", 1)
    )


@pytest.mark.parametrize("odd", ODD_BREAKS, ids=["form-feed", "line-separator"])
def test_odd_line_breaks_keep_findings_diff_and_anchors_on_their_lines(
    assignment: Assignment, odd: str
) -> None:
    original = parse_original(assignment.task("task1"))
    intact = odd_text(original, odd)
    assert find_verbatim(original, intact, ast.parse(intact)) is not None  # the fast path holds
    assert diff_findings(assignment, "task1", intact) == []
    text = intact.replace("full_output = False", "full_output = True").replace(
        "predictions != test_y", "predictions == test_y"
    )
    changed = text.split("\n").index("test_error = 100.0 * np.mean(predictions == test_y)") + 1
    assert changed == 78  # the inserted comment, and nothing else, moved it
    findings = {f.check: f for f in diff_findings(assignment, "task1", text)}
    assert {check: f.line for check, f in findings.items()} == {
        "flags.not_false": 8,
        "protected.modified": changed,
    }
    quoted = "not `full_output = True  # True: print training progress`"
    assert quoted in findings["flags.not_false"].message
    quoted = "`test_error = 100.0 * np.mean(predictions == test_y)`"
    assert quoted in findings["protected.modified"].message
    summary = diff_summary(original, text, name="task1.py")
    assert (summary.lines_added, summary.lines_removed) == (5, 4)
    assert apply_unified(original.text, summary.unified) == text
    view = build_diff_view(original=original, unified=summary.unified, anchor_prefix="task1")
    lines = [line for block in view.blocks for line in block.lines]
    assert view.complete
    added = {line.new: line for line in lines if line.kind == "added"}
    assert added[changed].violation and added[changed].anchor == f"task1-L{changed}"
    assert "predictions == test_y" in added[changed].text
    assert added[8].text.startswith("full_output = True")
    assert changed in view.anchors
