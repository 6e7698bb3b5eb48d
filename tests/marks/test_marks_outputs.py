"""Marks in every output, and overrides applied when outputs are rendered (``grader report``),
keyed to the task file's hash: applied, stale when the hand-in changed, listed when they name
nobody, and a broken overrides.toml is one line and exit 2; the store never changes."""

from __future__ import annotations

import csv
import hashlib
import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from grader.cli import main
from grader.report.results_json import SCHEMA_PATH
from tests.intake.vle import make_vle_fixtures as fx


def results(out: Path) -> dict[str, Any]:
    document: dict[str, Any] = json.loads((out / "results.json").read_text(encoding="utf-8"))
    jsonschema.validate(document, json.loads(SCHEMA_PATH.read_text(encoding="utf-8")))
    return {s["id"]: s for s in document["submissions"]} | {"": document}


def ada_task2_sha() -> str:
    return hashlib.sha256((fx.CLASS / "s2301147_ada" / "task2.py").read_bytes()).hexdigest()


def test_marks_breakdown_and_borderline_in_results_json(marked: Path) -> None:
    by_id = results(marked)
    assert by_id[""]["schema_version"] == 3 and by_id[""]["marking"]["weights"]["task1"] == 50
    ada = by_id["101"]["marks"]
    assert ada["mark"] == 85 and ada["out_of"] == 100
    assert ada["tasks"]["task2"]["borderline"] and ada["borderline_tasks"] == ["task2"]
    assert ada["tasks"]["task2"]["error_interval"]["thresholds_inside"] == [9.0]
    assert not ada["tasks"]["task1"]["borderline"]  # near miss: a clear high performance
    assert ada["tasks"]["task2"]["file_sha256"] == ada_task2_sha()
    gina = by_id["103"]["marks"]  # task1 only, one started day late
    assert gina["mark"] == 40 and gina["late"]["points_pct"] == -10
    assert "1 started day late, of the full mark: −10 %" in gina["breakdown"]
    assert by_id["104"]["marks"]["mark"] == 0  # past the cut-off
    assert by_id["105"]["marks"]["mark"] == 0  # on the roster, nothing handed in


def test_grades_csv_and_the_pages_show_marks(marked: Path) -> None:
    with open(marked / "grades.csv", newline="", encoding="utf-8") as handle:
        rows = {r["id"]: r for r in csv.DictReader(handle)}
    assert rows["101"]["mark"] == "85" and rows["101"]["mark_out_of"] == "100"
    assert rows["101"]["borderline"].startswith("task2 (9 % inside ")
    assert rows["103"]["borderline"] == ""
    index = (marked / "index.html").read_text(encoding="utf-8")
    assert 'class="tag flag borderline"' in index and ">Mark</button>" in index
    assert 'value="*:borderline"' in index
    page = (marked / "students" / "101.html").read_text(encoding="utf-8")
    assert "85 / 100" in page and "lies inside it: borderline" in page
    assert ada_task2_sha()[:12] in page  # what an override names


def override(student: str = "101", task: str = "task2", sha: str = "", **more: str) -> str:
    lines = [f'student = "{student}"', f'task = "{task}"', f'sha256 = "{sha or ada_task2_sha()}"',
             'reason = "five extra runs all under 9 %"', 'by = "A. Marker"',
             "at = 2026-12-01T10:00:00Z"]
    lines += [f"{k} = {v}" for k, v in more.items()]
    return "[[override]]\n" + "\n".join(lines) + "\n"


def test_an_override_is_applied_by_grader_report_and_the_store_is_untouched(
        marked: Path, capsys: pytest.CaptureFixture[str]) -> None:
    store = (marked / "grader.sqlite").read_bytes()
    (marked / "overrides.toml").write_text(
        override(verdict='"high_performance"')
        + override(task="task1", sha="0123456789ab", share="10")  # made on another file
        + override(student="999", waive='["diff.excessive"]'), encoding="utf-8")
    assert main(["report", str(marked), "--assignment", str(marked.parent / "spec")]) == 0
    by_id = results(marked)
    task2 = by_id["101"]["marks"]["tasks"]["task2"]
    assert (task2["verdict"], task2["machine_verdict"]) == ("high_performance", "valid")
    assert by_id["101"]["tasks"]["task2"]["verdict"] == "valid"  # the machine's, as stored
    assert by_id["101"]["marks"]["mark"] == 100
    assert "override by A. Marker: five extra runs all under 9 %" in task2["breakdown"][0]["text"]
    task1 = by_id["101"]["marks"]["tasks"]["task1"]
    assert task1["overrides"][0]["stale"] and task1["share_pct"] == 100  # stale: not applied
    assert by_id["101"]["marks"]["stale_overrides"][0]["sha256"] == "0123456789ab"
    assert by_id[""]["unmatched_overrides"][0]["student"] == "999"
    page = (marked / "students" / "101.html").read_text(encoding="utf-8")
    assert "five extra runs all under 9 %" in page and "stale: made on 0123456789ab" in page
    index = (marked / "index.html").read_text(encoding="utf-8")
    assert 'class="tag flag overridden"' in index and 'class="tag flag stale"' in index
    assert (marked / "grader.sqlite").read_bytes() == store


@pytest.mark.parametrize("text, says", [
    ("[[override]\n", "not valid TOML"),
    (override(verdict='"great"'), "unknown verdict 'great'"),
    (override(share="150"), "share must be a number from 0 to 100"),
    (override(), "sets nothing"),
    (override(sha="xyz", verdict='"valid"'), "sha256 must be the task file's hash"),
    (override(waive='["diff.excesive"]'), "waive must list check ids"),
    (override(verdict='"valid"').replace('by = "A. Marker"\n', ""), "by is required"),
])
def test_a_broken_overrides_file_is_one_line_and_exit_2(
        marked: Path, capsys: pytest.CaptureFixture[str], text: str, says: str) -> None:
    (marked / "overrides.toml").write_text(text, encoding="utf-8")
    assert main(["report", str(marked), "--assignment", str(marked.parent / "spec")]) == 2
    err = capsys.readouterr().err
    assert says in err and len(err.strip().splitlines()) == 1 and "Traceback" not in err


def test_the_readme_documents_every_mark_column(repo_root: Path) -> None:
    from grader.report.exports import MARK_FIELDS, grades_header

    readme = (repo_root / "report_templates" / "README.md").read_text(encoding="utf-8")
    header = grades_header(["<task>"], marked=True)
    assert header[-len(MARK_FIELDS):] == list(MARK_FIELDS)
    for column in header:
        assert f"| `{column}` |" in readme
