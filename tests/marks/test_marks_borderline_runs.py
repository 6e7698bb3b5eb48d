"""``--borderline-runs N``: N more runs of the borderline tasks only, stored after the counted
ones, shown beside them, never deciding the verdict; off by default."""

from __future__ import annotations

import json
from pathlib import Path

from grader.intake.bulk import IntakeOptions
from grader.pipeline import grade
from grader.spec import Assignment
from tests.intake.vle import make_vle_fixtures as fx
from tests.marks.conftest import answer
from tests.runtime_fakes import FakeExecutor


def _grade(tmp_path: Path, timed: Assignment, extra: int) -> tuple[FakeExecutor, Path]:
    out = tmp_path / f"out{extra}"
    executor = FakeExecutor(answer)
    grade(paths=[fx.moodle(tmp_path, in_folders=True)], assignment=timed, out_dir=out, runs=5,
          analysis=False, executor=executor,
          intake=IntakeOptions(roster=fx.moodle_worksheet(tmp_path)), borderline_runs=extra)
    return executor, out


def test_extra_runs_of_the_borderline_task_only(tmp_path: Path, timed: Assignment) -> None:
    executor, out = _grade(tmp_path, timed, 3)
    extra = [(s.submission_id, s.task, s.index) for s in executor.seen if s.index >= 5]
    assert extra == [("101", "task2", 5), ("101", "task2", 6), ("101", "task2", 7)]
    ada = {s["id"]: s for s in json.loads((out / "results.json").read_text())["submissions"]}[
        "101"]
    assert len(ada["tasks"]["task2"]["runs"]) == 5  # the rule: the five counted runs
    assert ada["tasks"]["task2"]["verdict"] == "valid"
    more = ada["marks"]["tasks"]["task2"]["with_extra_runs"]
    assert more["interval"]["runs"] == 8 and more["mean_error_pct"] == round(
        (10.0 + 9.7 + 10.0 + 10.5 + 8.0 + 10.0 + 9.7 + 10.0) / 8, 3)
    assert "with 3 extra run(s), not counted" in (out / "students" / "101.html").read_text()


def test_off_by_default(tmp_path: Path, timed: Assignment) -> None:
    executor, out = _grade(tmp_path, timed, 0)
    assert all(s.index < 5 for s in executor.seen)
    assert "extra run(s)" not in (out / "students" / "101.html").read_text()
