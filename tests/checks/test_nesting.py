"""A file nested deeper than the checks can walk is refused with its depth, never passed over.

Every static check walks the syntax tree recursively; a thousand-link attribute chain once made
all of them fail at once, so a seed beside it was reported only as "the check itself failed".
"""

from __future__ import annotations

import ast
from pathlib import Path

from grader.checks.stage import check_paths
from grader.ids import CheckId
from grader.pysource.depth import MAX_DEPTH, nesting_depth
from grader.records import Severity
from grader.spec import Assignment


def _hand_in(tmp_path: Path, assignment: Assignment, *, links: int) -> Path:
    """The reference task1 with a chain of ``links`` attributes and a seed in a student region."""
    text = assignment.task("task1").solution.read_text(encoding="utf-8")
    lines = text.split("\n")
    at = next(i for i, line in enumerate(lines) if line.startswith("# ==== YOUR CODE"))
    lines[at + 1:at + 1] = ["x = np" + ".a" * links, "np.random.seed(5)"]
    folder = tmp_path / "student"
    folder.mkdir()
    (folder / "task1.py").write_text("\n".join(lines), encoding="utf-8")
    return folder


def _findings(folder: Path, assignment: Assignment) -> list[tuple[str, Severity, int | None]]:
    [(_, results)] = check_paths([folder], assignment=assignment, tasks=["task1"], jobs=1)
    return [(f.check, f.severity, f.line) for f in results["task1"].findings]


def test_a_chain_deeper_than_the_checks_walk_is_a_syntax_violation(
    tmp_path: Path, assignment: Assignment
) -> None:
    folder = _hand_in(tmp_path, assignment, links=1200)
    findings = _findings(folder, assignment)
    chain_line = next(i for i, line in enumerate(
        (folder / "task1.py").read_text().split("\n"), 1) if line.startswith("x = np.a"))
    assert (CheckId.SYNTAX, Severity.VIOLATION, chain_line) in findings
    assert all(check != CheckId.SEED or severity is Severity.VIOLATION
               for check, severity, _ in findings)  # no "the check itself failed" warnings


def test_a_long_chain_the_checks_can_walk_is_checked_as_usual(
    tmp_path: Path, assignment: Assignment
) -> None:
    findings = _findings(_hand_in(tmp_path, assignment, links=MAX_DEPTH - 20), assignment)
    assert not any(check == CheckId.SYNTAX for check, _, _ in findings)
    assert any(check == CheckId.SEED and severity is Severity.VIOLATION
               for check, severity, _ in findings)
    assert all(severity is not Severity.WARNING for _, severity, _ in findings)


def test_depth_counts_levels_and_names_the_line_of_the_deepest_node() -> None:
    tree = ast.parse("a = 1\nif b:\n    c = d.e.f\n")
    depth, line = nesting_depth(tree)
    # Module > If > Assign > Attribute > Attribute > Name > Load
    assert (depth, line) == (7, 3)
    assert nesting_depth(ast.parse("")) == (1, None)
