"""Fixtures of the run tests: one trusted evaluator for every real-TensorFlow test of the session,
as one serves an executor (TensorFlow imported once, not once per module)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from grader.run.evaluator import TrustedEvaluator


@pytest.fixture(scope="session")
def evaluator() -> Iterator[TrustedEvaluator]:
    trusted = TrustedEvaluator()
    yield trusted
    trusted.close()
