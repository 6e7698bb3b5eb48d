"""Shared fixtures for the test suite."""

from __future__ import annotations

from pathlib import Path

import pytest

from grader.spec import Assignment, load_assignment

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def assignment() -> Assignment:
    return load_assignment(ROOT / "assignment.toml")


@pytest.fixture(scope="session")
def repo_root() -> Path:
    return ROOT
