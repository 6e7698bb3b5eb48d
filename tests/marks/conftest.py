"""A marked class for the marks tests: the VLE fixtures' Moodle download and worksheet with the
deadline, graded with five fake runs a task (no TensorFlow); Ada's task2 errors straddle 9 %."""

from __future__ import annotations

from pathlib import Path

import pytest

from grader.intake.bulk import IntakeOptions
from grader.pipeline import grade
from grader.records import RunOutcome, RunSpec
from grader.spec import Assignment, load_assignment
from tests.intake.vle import make_vle_fixtures as fx
from tests.runtime_fakes import FakeExecutor, facts, outcome

#: Ada's (101) task2: a mean of 9.64 %, valid, whose 95 % interval holds the 9 % line
STRADDLING = (10.0, 9.7, 10.0, 10.5, 8.0)
CLEAR = (3.1, 3.4, 2.9, 3.8, 3.3)


def answer(spec: RunSpec) -> RunOutcome:
    layers = ("Conv2D", "Dense") if spec.task == "task1" else ("LSTM", "Dense")
    errors = STRADDLING if (spec.submission_id, spec.task) == ("101", "task2") else CLEAR
    return outcome(spec.index, error=errors[spec.index % 5], isolated=True,
                   facts=facts(layers=layers))


@pytest.fixture
def timed(tmp_path: Path) -> Assignment:
    return load_assignment(fx.spec_with_deadline(tmp_path / "spec"))


@pytest.fixture
def marked(tmp_path: Path, timed: Assignment) -> Path:
    """The graded report folder."""
    out = tmp_path / "out"
    options = IntakeOptions(roster=fx.moodle_worksheet(tmp_path))
    grade(paths=[fx.moodle(tmp_path, in_folders=True)], assignment=timed, out_dir=out, runs=5,
          analysis=False, executor=FakeExecutor(answer), intake=options)
    return out
