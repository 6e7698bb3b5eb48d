"""Fixtures of the run tests: one trusted evaluator per real-TensorFlow test module, as one serves
an executor. Per module, not per session: a live evaluator holds cgroups of this process, which
the sandbox tests that follow require to be gone."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from grader.run.evaluator import TrustedEvaluator


@pytest.fixture(scope="module")
def evaluator() -> Iterator[TrustedEvaluator]:
    trusted = TrustedEvaluator()
    yield trusted
    trusted.close()
