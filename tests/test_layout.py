"""The package keeps the shape ARCHITECTURE.md draws: stages that import only the stages above
them, no import cycle, small modules, each helper defined once.

Read from the sources with ``ast``; nothing is imported. The child-side harness is left out of the
size and single-definition rules: it is a private package that may import only the standard
library (``tests/harness/test_harness.py`` holds it to that).
"""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "grader"
CHILD = PACKAGE / "harness" / "child"
#: ARCHITECTURE.md: the stages, foundation first; a package may import only those before it
STAGES = (
    "__init__", "materials", "ids", "records", "spec",
    "pysource", "intake", "original", "diff", "checks", "review", "store",
    "harness", "sandbox", "run", "judge", "marks", "report", "pipeline", "cli", "__main__",
)
#: ARCHITECTURE.md: "Modules stay under 400 lines"
MAX_LINES = 400
#: helpers that once had several definitions (and drifted apart); named without a leading "_"
DEFINED_ONCE = (
    "SCRIPT_MODULE",  # what __name__ is when a task script runs
    "NAMESPACES",  # globals(), vars(), locals() as the script's namespace
    "inside",  # a node within the provided regions
    "module_bindings",  # two different walks once shared this name
)


def _modules() -> list[Path]:
    return sorted(p for p in PACKAGE.rglob("*.py") if CHILD not in p.parents)


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


def _grader_imports(path: Path) -> list[str]:
    """The grader modules ``path`` imports, as dotted names below ``grader`` (e.g. "run.one")."""
    found: list[str] = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            parts = node.module.split(".")
            if parts[0] != "grader":
                continue
            if len(parts) == 1:  # from grader import x: x is a module or a name of __init__
                found += [alias.name for alias in node.names]
            else:
                found += [".".join(parts[1:]) + "." + alias.name for alias in node.names]
        elif isinstance(node, ast.Import):
            found += [a.name.removeprefix("grader.") for a in node.names
                      if a.name.startswith("grader.")]
    return found


def _stage(dotted: str) -> str:
    return dotted.split(".")[0]


def test_every_module_belongs_to_a_stage() -> None:
    stray = sorted(str(p.relative_to(PACKAGE)) for p in PACKAGE.rglob("*.py")
                   if _stage(str(p.relative_to(PACKAGE).with_suffix("")).replace("/", "."))
                   not in STAGES)
    assert stray == []


def test_imports_point_only_up_the_stage_order() -> None:
    upward: list[str] = []
    for path in PACKAGE.rglob("*.py"):
        here = _stage(str(path.relative_to(PACKAGE).with_suffix("")).replace("/", "."))
        for target in _grader_imports(path):
            there = _stage(target)
            if there in STAGES and STAGES.index(there) > STAGES.index(here):
                upward.append(f"{path.relative_to(PACKAGE)} imports grader.{target}")
    assert sorted(upward) == []


def _module_graph() -> dict[str, set[str]]:
    """Module -> the grader modules it imports (a name imported from a package counts as the
    package's ``__init__`` unless it is a submodule)."""
    modules = {
        ".".join(p.relative_to(PACKAGE).with_suffix("").parts).removesuffix(".__init__"): p
        for p in PACKAGE.rglob("*.py")
    }
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        edges: set[str] = set()
        for target in _grader_imports(path):
            while target and target not in modules:  # a name inside a module: its module
                target = target.rpartition(".")[0]
            if target and target != name:
                edges.add(target)
        graph[name] = edges
    return graph


def test_there_is_no_import_cycle() -> None:
    graph = _module_graph()
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    cycles: list[list[str]] = []

    def visit(node: str, path: list[str]) -> None:
        state[node] = 1
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                cycles.append([*path[path.index(nxt):], nxt] if nxt in path else [node, nxt])
            elif nxt not in state:
                visit(nxt, [*path, nxt])
        state[node] = 2

    for start in sorted(graph):
        if start not in state:
            visit(start, [start])
    assert cycles == []


def test_the_layout_rules_can_fail() -> None:
    """The import reader sees the forms the rules depend on (a rule that reads nothing passes)."""
    sample = PACKAGE / "pipeline.py"
    imports = _grader_imports(sample)
    assert any(_stage(t) == "run" for t in imports)
    assert any(_stage(t) == "report" for t in imports)
    assert _module_graph()["pipeline"]
