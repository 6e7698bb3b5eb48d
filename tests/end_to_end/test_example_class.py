"""The example class in ``submissions/`` keeps the promises of its README's table.

The table says, for every student and task, the expected verdict and every expected check id.
The static part of that promise is checked here on every test run (no TensorFlow): the intake,
diff and static stages must find exactly the listed ids that they can find, and nothing on the
clean hand-ins. The runtime ids (a crash, an extra output line, too many parameters) need real
runs; one quick TensorFlow test pins the crash, and ``grader run submissions/`` the rest.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from grader.checks.diff import DIFF_CHECKS
from grader.checks.runtime import RUNTIME_CHECKS
from grader.checks.stage import check_paths
from grader.checks.static import STATIC_CHECKS
from grader.records import Severity, StaticResult, Verdict
from grader.spec import Assignment
from tests.class_table import CLASS, ROWS, Row

ROOT = Path(__file__).resolve().parents[2]

#: intake's ids (no check class carries them); each is a violation
INTAKE_IDS = frozenset({"files.missing", "files.unreadable", "syntax"})
STATIC_IDS = frozenset(c.id for c in [*DIFF_CHECKS, *STATIC_CHECKS]) | INTAKE_IDS
#: ids only a run can find
RUNTIME_ONLY_IDS = frozenset(c.id for c in RUNTIME_CHECKS) - STATIC_IDS
SEVERITY = {c.id: c.severity for c in [*RUNTIME_CHECKS, *DIFF_CHECKS, *STATIC_CHECKS]} | {
    i: Severity.VIOLATION for i in INTAKE_IDS
}




@pytest.fixture(scope="module")
def static_results(assignment: Assignment) -> dict[tuple[str, str], StaticResult]:
    checked = check_paths([CLASS], assignment=assignment, jobs=1)
    return {(sub.id, task): result for sub, results in checked for task, result in results.items()}


def test_the_table_has_one_row_per_student_and_task(assignment: Assignment) -> None:
    students = sorted(p.name for p in CLASS.iterdir() if p.is_dir())
    expected = [(s, t.id) for s in students for t in assignment.tasks]
    assert [(r.student, r.task) for r in ROWS] == expected


def test_the_table_shows_every_verdict_but_incomplete() -> None:
    shown = {r.verdict for r in ROWS}
    assert shown == set(Verdict) - {Verdict.INCOMPLETE}


@pytest.mark.parametrize("row", ROWS, ids=lambda r: f"{r.student}-{r.task}")
def test_each_rows_verdict_follows_from_its_checks(row: Row) -> None:
    assert row.checks <= set(SEVERITY), f"unknown check ids: {row.checks - set(SEVERITY)}"
    violations = {c for c in row.checks if SEVERITY[c] is Severity.VIOLATION}
    if row.verdict is Verdict.MISSING:
        assert "files.missing" in row.checks
    elif row.verdict is Verdict.INVALID:
        assert violations
    else:
        assert not violations


@pytest.mark.parametrize("row", ROWS, ids=lambda r: f"{r.student}-{r.task}")
def test_the_static_stage_finds_exactly_the_listed_static_checks(
    row: Row, static_results: dict[tuple[str, str], StaticResult]
) -> None:
    found = {f.check for f in static_results[(row.student, row.task)].findings}
    assert found == row.checks - RUNTIME_ONLY_IDS


@pytest.mark.tensorflow
def test_the_crashing_script_crashes_with_a_shape_error(tmp_path: Path) -> None:
    row = next(r for r in ROWS if r.checks == {"run.failed"})
    shutil.copy(CLASS / row.student / f"{row.task}.py", tmp_path / "script.py")
    shutil.copy(ROOT / "data" / "dataset.txt", tmp_path / "dataset.txt")
    done = subprocess.run(
        [sys.executable, "script.py"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode != 0
    assert done.stdout == ""
    assert "incompatible shape" in done.stderr
