"""The layers every sandbox test runs under: each one that works here (CI has both)."""

from __future__ import annotations

import functools

import pytest

from grader.sandbox.detect import bubblewrap, namespaces, probe
from grader.sandbox.isolation import Isolation

LAYERS = ("bubblewrap", "namespaces")


@functools.cache
def working(kind: str) -> Isolation | None:
    """The layer ``kind`` if it is installed and its probe passes here, else None."""
    made = {"bubblewrap": bubblewrap, "namespaces": namespaces}[kind]()
    return made if made is not None and probe(made) == "" else None


@pytest.fixture(params=LAYERS)
def layer(request: pytest.FixtureRequest) -> Isolation:
    isolation = working(request.param)
    if isolation is None:
        pytest.skip(f"the {request.param} layer does not work on this machine")
    return isolation
