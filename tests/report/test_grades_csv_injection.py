"""``grades.csv`` defuses cells a spreadsheet would run as formulas (OWASP's CSV-injection rule),
and leaves everything else, numbers above all, as it was."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from grader.report.exports import grades_rows, spreadsheet_safe, write_grades_csv
from tests.report_fixtures import student


@pytest.mark.parametrize(
    "cell", ["=1+2", "@SUM(1+1)", "+4-1", "-2+3", "=cmd|' /C calc'!A0", "\tx", "\r=1", "\n=1",
             "-", "+"],
)
def test_a_cell_that_starts_like_a_formula_gets_a_quote(cell: str) -> None:
    assert spreadsheet_safe(cell) == "'" + cell


@pytest.mark.parametrize(
    "cell", ["alice", "a=1+2", "", "42", "-1.5", "+3", "2.24", "'=1", "o'brien", "run.failed;seed"],
)
def test_text_and_numbers_are_left_alone(cell: str) -> None:
    assert spreadsheet_safe(cell) == cell


def test_hostile_ids_reach_the_file_defused(tmp_path: Path) -> None:
    ids = ["=1+2", "@SUM(1+1)", "amy", "-7", "=HYPERLINK(\"http://x\",\"a,b\")"]
    path = write_grades_csv([student(i, {}) for i in ids], tmp_path / "grades.csv",
                            tasks=["task1"])
    with path.open(newline="", encoding="utf-8") as handle:
        column = [row[0] for row in csv.reader(handle)][1:]
    assert column == ["'=1+2", "'@SUM(1+1)", "amy", "-7", "'=HYPERLINK(\"http://x\",\"a,b\")"]
    assert grades_rows([student("=1+2", {})], tasks=["task1"])[1][0] == "'=1+2"
