"""End to end with real TensorFlow: a Moodle download, its grading worksheet and a deadline,
graded by ``grader run --runs 1`` as a user runs it, give the table of ``submissions/README.md``
("The example class as it leaves a VLE")."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from typing import Any

import pytest

from tests.intake.vle import make_vle_fixtures as fx

SECTION = "## The example class as it leaves a VLE"
ROW = re.compile(r"^\| (\d+) \| ([^|]+) \|[^|]+\|[^|]+\| (\w+)[^|]*\| (\w+) \| (\w+) \|$")
GRADED = ("101", "103")  # the two students of the download; 105 is only on the roster


def readme_table() -> dict[str, tuple[str, str, str, str]]:
    """participant -> (name, lateness status, task1 verdict, task2 verdict)."""
    text = (fx.CLASS / "README.md").read_text(encoding="utf-8").split(SECTION, 1)[1]
    rows = {}
    for line in text.splitlines():
        match = ROW.match(line)
        if match:
            rows[match[1]] = (match[2].strip(), match[3], match[4], match[5])
    return rows


def test_the_readme_table_is_read() -> None:
    assert sorted(readme_table()) == ["101", "103", "105"]


@pytest.fixture(scope="module")
def graded(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    folder = tmp_path_factory.mktemp("vle")
    students = tuple(s for s in fx.CLASSLIST if s.id in GRADED)
    download = fx.moodle(folder, in_folders=True, students=students)
    roster = fx.moodle_worksheet(folder, students=students)
    spec = fx.spec_with_deadline(folder / "spec")
    out = folder / "report"
    done = subprocess.run(
        [sys.executable, "-m", "grader", "run", str(download), "--roster", str(roster),
         "--assignment", str(spec), "--out", str(out), "--runs", "1", "--no-analysis"],
        cwd=fx.ROOT, capture_output=True, text=True, timeout=1200, check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    document: dict[str, Any] = json.loads((out / "results.json").read_text(encoding="utf-8"))
    return document


@pytest.mark.tensorflow
def test_a_moodle_download_with_roster_and_deadline_gives_the_readme_table(
        graded: dict[str, Any]) -> None:
    got = {
        s["id"]: (s["hand_in"]["name"], s["lateness"]["status"],
                  s["tasks"]["task1"]["verdict"], s["tasks"]["task2"]["verdict"])
        for s in graded["submissions"]
    }
    assert got == readme_table()
    gina = next(s for s in graded["submissions"] if s["id"] == "103")
    assert gina["lateness"]["deduction_pct"] == 10.0 and gina["tasks"]["task1"]["runs"]
    assert gina["hand_in"]["time_source"].startswith("Moodle grading worksheet")
