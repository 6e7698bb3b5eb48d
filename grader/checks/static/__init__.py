"""Static checks: read a submission's AST, never run it. Add a check: a module and a line here.

They run after the diff checks, in this order, on every task file that parses. All of them share
one walk of the tree (:mod:`grader.pysource.scan`, kept in the context) and one name resolver
(:mod:`grader.pysource.resolver`), so the whole stage stays far below a millisecond per file.
"""

from __future__ import annotations

from grader.checks.base import StaticCheck
from grader.checks.static.files import SandboxFile
from grader.checks.static.framework import Framework
from grader.checks.static.layers import LayersRequired
from grader.checks.static.monkeypatch import Monkeypatch
from grader.checks.static.network import SandboxNetwork
from grader.checks.static.pretrained import Pretrained
from grader.checks.static.process import SandboxProcess
from grader.checks.static.seed import Seed
from grader.checks.static.test_data import TestDataUse

STATIC_CHECKS: list[StaticCheck] = [
    Seed(),
    Framework(),
    TestDataUse(),
    Pretrained(),
    SandboxFile(),
    SandboxNetwork(),
    SandboxProcess(),
    Monkeypatch(),
    LayersRequired(),
]

__all__ = ["STATIC_CHECKS"]
