"""Every output file is written by one writer: whole or not at all, and readable by others."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from grader.report.atomic import SHARED_FILE_MODE, write_atomic
from grader.report.exports import write_grades_csv
from grader.report.results_json import write_results_json


@pytest.fixture
def private_umask() -> Iterator[None]:
    """A user whose umask keeps new files to themselves (077)."""
    old = os.umask(0o077)
    try:
        yield
    finally:
        os.umask(old)


def _mode(path: Path) -> int:
    return path.stat().st_mode & 0o777


def test_results_and_report_files_are_shared_whatever_the_umask(
    tmp_path: Path, private_umask: None
) -> None:
    results = tmp_path / "report" / "results.json"
    write_results_json(results, {"schema_version": 1})
    grades = write_grades_csv([], tmp_path / "report" / "grades.csv", tasks=["task1"])
    page = write_atomic(tmp_path / "report" / "index.html", "<!doctype html>\n")
    assert json.loads(results.read_text()) == {"schema_version": 1}
    assert grades.read_text().startswith("id,")
    assert [_mode(p) for p in (results, grades, page)] == [SHARED_FILE_MODE] * 3
    assert sorted(p.name for p in (tmp_path / "report").iterdir()) == [
        "grades.csv",
        "index.html",
        "results.json",
    ]  # no temporary file left behind


def test_a_failed_write_leaves_the_old_file_and_no_temporary(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = write_atomic(tmp_path / "grades.csv", "old\r\n")
    assert target.read_bytes() == b"old\r\n"  # line ends are written as given

    def fail(*args: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", fail)
    with pytest.raises(OSError, match="disk full"):
        write_atomic(target, "new\n")
    assert target.read_bytes() == b"old\r\n"
    assert [p.name for p in tmp_path.iterdir()] == ["grades.csv"]
