"""Fixtures of the VLE tests: the example class's downloads and a spec with a deadline."""

from __future__ import annotations

from pathlib import Path

import pytest

from grader.spec import Assignment, load_assignment
from tests.intake.vle import make_vle_fixtures as fx


@pytest.fixture
def deadline_spec(tmp_path: Path) -> Path:
    return fx.spec_with_deadline(tmp_path / "spec")


@pytest.fixture
def timed(deadline_spec: Path) -> Assignment:
    """The repository's assignment with the fixtures' deadline, grace, policy and extension."""
    return load_assignment(deadline_spec)
