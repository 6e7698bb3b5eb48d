"""The package keeps the shape DESIGN.md asks for: small modules, each helper defined once.

Read from the sources with ``ast``; nothing is imported. The child-side harness is left out: it
is a private package that may import only the standard library, so it keeps its own copies.
"""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "grader"
#: DESIGN.md: "no module past ~400 lines"
MAX_LINES = 400
#: helpers that once had several definitions (and drifted apart); named without a leading "_"
DEFINED_ONCE = (
    "SCRIPT_MODULE",  # what __name__ is when a task script runs
    "NAMESPACES",  # globals(), vars(), locals() as the script's namespace
    "inside",  # a node within the provided regions
    "module_bindings",  # two different walks once shared this name
)


def _modules() -> list[Path]:
    return sorted(p for p in PACKAGE.rglob("*.py") if "harness" not in p.parts)


def test_no_module_is_past_the_size_limit() -> None:
    sizes = {str(p.relative_to(PACKAGE)): len(p.read_text().splitlines()) for p in _modules()}
    assert {name: n for name, n in sizes.items() if n > MAX_LINES} == {}


def test_shared_helpers_are_defined_once() -> None:
    defined: dict[str, list[str]] = defaultdict(list)
    for path in _modules():
        for node in ast.parse(path.read_text()).body:
            if isinstance(node, ast.FunctionDef | ast.ClassDef):
                names = [node.name]
            elif isinstance(node, ast.Assign):
                names = [t.id for t in node.targets if isinstance(t, ast.Name)]
            elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
                names = [node.target.id]
            else:
                continue
            for name in names:
                defined[name.lstrip("_")].append(str(path.relative_to(PACKAGE)))
    assert {name: defined[name] for name in DEFINED_ONCE if len(defined[name]) > 1} == {}


def test_one_atomic_writer() -> None:
    """Every output file goes through grader/atomic.py (one rule for permissions)."""
    renaming = sorted(
        str(path.relative_to(PACKAGE))
        for path in _modules()
        if any(
            isinstance(node, ast.Call) and ast.unparse(node.func) == "os.replace"
            for node in ast.walk(ast.parse(path.read_text()))
        )
    )
    assert renaming == ["report/atomic.py"]
