"""Marks into the VLE's own files: Moodle's grading worksheet and Canvas's gradebook export filled
for matching identifiers, everything else kept as it was, rows that match nobody kept and listed;
and feedback pages about one student each, with Moodle's upload-zip layout."""

from __future__ import annotations

import csv
import io
import re
import zipfile
from pathlib import Path

import pytest

from grader.cli import main
from grader.intake.bulk import IntakeOptions
from grader.pipeline import grade
from grader.spec import Assignment
from tests.intake.vle import make_vle_fixtures as fx
from tests.marks.conftest import answer
from tests.runtime_fakes import FakeExecutor


def spec(out: Path) -> list[str]:
    return ["--assignment", str(out.parent / "spec")]


def read(path: Path) -> list[list[str]]:
    return list(csv.reader(io.StringIO(path.read_text(encoding="utf-8-sig"))))


def test_moodle_worksheet_filled_for_matching_participants(
        marked: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    worksheet = fx.moodle_worksheet(tmp_path / "vle")
    rows = read(worksheet)
    rows.append(["Participant 999", "Nobody Known", "n@example.edu", "No submission", "",
                 "20.00", "Yes", "-", "-", ""])
    with open(worksheet, "w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows(rows)
    out = tmp_path / "filled.csv"
    assert main(["export", str(marked), "--to", "moodle", "--template", str(worksheet),
                 "--out", str(out), *spec(marked)]) == 0
    filled = read(out)
    assert filled[0] == rows[0] and len(filled) == len(rows)  # header and rows kept
    table = {r[0]: dict(zip(filled[0], r, strict=True)) for r in filled[1:]}
    assert table["Participant 101"]["Grade"] == "85.00"
    assert table["Participant 101"]["Feedback comments"].startswith("85/100. task1: ")
    assert "Borderline (task2)" in table["Participant 101"]["Feedback comments"]
    assert table["Participant 103"]["Grade"] == "40.00"
    assert table["Participant 999"] == dict(zip(rows[0], rows[-1], strict=True))  # as it was
    for row in rows[1:]:  # every cell the export does not own is the download's
        mine = table[row[0]]
        assert {k: v for k, v in zip(rows[0], row, strict=True)
                if k not in ("Grade", "Feedback comments")} == {
            k: v for k, v in mine.items() if k not in ("Grade", "Feedback comments")}
    printed = capsys.readouterr().out
    assert "row kept as it was (no graded student matches it): Participant 999" in printed


def test_a_file_that_is_no_worksheet_is_one_line(marked: Path, tmp_path: Path,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    other = fx.canvas_gradebook(tmp_path / "vle")
    assert main(["export", str(marked), "--to", "moodle", "--template", str(other),
                 *spec(marked)]) == 2
    err = capsys.readouterr().err
    assert "not a Moodle grading worksheet" in err and len(err.strip().splitlines()) == 1
    assert main(["export", str(marked), "--to", "canvas", *spec(marked)]) == 2
    assert "--template" in capsys.readouterr().err


def test_canvas_gradebook_fills_the_assignment_column_only(
        tmp_path: Path, timed: Assignment, capsys: pytest.CaptureFixture[str]) -> None:
    roster = fx.canvas_gradebook(tmp_path / "vle")
    out = tmp_path / "out"
    grade(paths=[fx.canvas(tmp_path / "vle")], assignment=timed, out_dir=out, runs=5,
          analysis=False, executor=FakeExecutor(answer), intake=IntakeOptions(roster=roster))
    rows = read(roster)
    header = [*rows[0][:5], "Quiz 1 (12)", rows[0][5], "Current Score", "Final Grade"]
    rows = [[*r[:5], "7" if n else "Quiz 1 (12)", r[5], "88", "B+"] for n, r in
            enumerate(rows)]
    rows[0] = header
    rows.append(["Stranger, A", "9999", "s9", "u9", "CS 3", "5", "", "1", "F"])
    with open(roster, "w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows(rows)
    filled_path = tmp_path / "canvas.csv"
    assert main(["export", str(out), "--to", "canvas", "--template", str(roster),
                 "--out", str(filled_path), *spec(out)]) == 2  # two assignment columns
    assert "--column" in capsys.readouterr().err
    assert main(["export", str(out), "--to", "canvas", "--template", str(roster),
                 "--column", "Assignment 3", "--out", str(filled_path), *spec(out)]) == 0
    filled = read(filled_path)
    assert len(filled) == len(rows)
    column = header.index("Assignment 3 (77)")
    by_id = {r[1]: r for r in filled[2:]}
    assert by_id["2001"][column] == "100.00"  # Ada (both clear here), on the scale of 100
    assert by_id["2003"][column] == "40.00"  # Gina: task1 only, a day late
    for before, after in zip(rows, filled, strict=True):
        assert before[:column] + before[column + 1:] == after[:column] + after[column + 1:]
    assert filled[1] == rows[1]  # the Points Possible row
    assert "Stranger, A (9999)" in capsys.readouterr().out


def test_generic_csv(marked: Path) -> None:
    assert main(["export", str(marked), *spec(marked)]) == 0
    rows = read(marked / "gradebook-csv.csv")
    assert rows[0] == ["id", "name", "mark", "out_of", "feedback"]
    assert rows[1][:4] == ["101", "Ada Lovelace", "85", "100"]


def test_feedback_pages_are_about_one_student_and_link_nowhere(marked: Path,
                                                               tmp_path: Path) -> None:
    folder = tmp_path / "feedback"
    assert main(["feedback", str(marked), "--out", str(folder), "--moodle-zip",
                 *spec(marked)]) == 0
    pages = sorted(folder.glob("*.html"))
    ids = [p.stem for p in pages]
    assert "101" in ids and "103" in ids
    names = {s.id: s.name for s in [*fx.CLASSLIST, fx.NOBODY]}
    for page in pages:
        html = page.read_text(encoding="utf-8")
        # line numbers are numbers too: the ids are looked for outside them
        text = re.sub(r'<span class="no">\d*</span>|(id|href)="#?task\d-L\d+"|\.py:\d+', "",
                      html)
        others = [i for i in ids if i != page.stem and re.search(rf"\b{i}\b", text)]
        assert others == [], f"{page.name} names {others}"
        named = [n for i, n in names.items() if n != names.get(page.stem) and n in html]
        assert named == [], f"{page.name} names {named}"
        assert re.findall(r'href="(?!#)', html) == []  # in-page anchors only
        assert "<link" not in html and "<script" not in html
    ada = (folder / "101.html").read_text(encoding="utf-8")
    assert "85 / 100" in ada and "Your runs" in ada and "pass ≤ 12" in ada
    with zipfile.ZipFile(folder / "moodle-feedback.zip") as bundle:
        members = bundle.namelist()
    assert "Ada Lovelace_101_assignfeedback_file/feedback.html" in members
    assert all(n.split("/")[0].split("_")[1].isdigit() for n in members)


def test_feedback_hides_what_the_instructor_keeps_back(marked: Path, tmp_path: Path,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    folder = tmp_path / "feedback"
    assert main(["feedback", str(marked), "--out", str(folder), "--hide",
                 "thresholds,harness,runs", *spec(marked)]) == 0
    ada = re.sub(r"<style>.*</style>", "", (folder / "101.html").read_text(encoding="utf-8"),
                 flags=re.DOTALL)
    assert "pass ≤ 12" not in ada and "Your runs" not in ada and "borderline" not in ada
    assert "What the grader saw" not in ada and "85 / 100" in ada
    assert main(["feedback", str(marked), "--out", str(folder), "--hide", "secrets",
                 *spec(marked)]) == 2
    assert "cannot hide secrets" in capsys.readouterr().err
