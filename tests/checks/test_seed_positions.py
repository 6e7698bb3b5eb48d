"""The ``seed`` check's table of positional seed arguments agrees with the installed libraries.

``SpatialDropout2D(0.2, "channels_last")`` passes a data format, not a seed: the table must say
where each API really takes its seed. The signatures are read from the installed Keras and
TensorFlow sources with ``ast``, following their ``from ... import ... as ...`` re-exports, so
neither library is imported (importing Keras starts TensorFlow).
"""

from __future__ import annotations

import ast
import importlib.util
from functools import cache
from pathlib import Path

import pytest

from grader.checks.static.seed import SEED_POSITION

Definition = ast.FunctionDef | ast.ClassDef


@cache
def _source(module: str) -> Path | None:
    """The file that defines ``module``, found without importing anything."""
    top, _, rest = module.partition(".")
    spec = importlib.util.find_spec(top)  # a top-level package is located, not imported
    if spec is None or not spec.submodule_search_locations:
        return None
    path = Path(next(iter(spec.submodule_search_locations)))
    if rest:
        path = path.joinpath(*rest.split("."))
    if (path / "__init__.py").is_file():
        return path / "__init__.py"
    return path.with_suffix(".py") if path.with_suffix(".py").is_file() else None


@cache
def _tree(path: Path) -> ast.Module:
    return ast.parse(path.read_text(encoding="utf-8"))


def _lookup(module: str, attributes: tuple[str, ...], depth: int = 0) -> Definition | None:
    """The class or function ``module.<attributes>`` names, through re-exports."""
    source = _source(module)
    if source is None or depth > 10:
        return None
    name, rest = attributes[0], attributes[1:]
    for node in _tree(source).body:
        if isinstance(node, ast.FunctionDef | ast.ClassDef) and node.name == name and not rest:
            return node
        if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            for alias in node.names:
                if (alias.asname or alias.name) != name:
                    continue
                target = f"{node.module}.{alias.name}"
                if _source(target) is not None:  # a module, re-exported
                    return _lookup(target, rest, depth + 1) if rest else None
                return _lookup(node.module, (alias.name, *rest), depth + 1)
    return None


def definition(qualname: str) -> Definition | None:
    parts = qualname.split(".")
    for cut in range(len(parts) - 1, 0, -1):  # the longest prefix that is a module
        module = ".".join(parts[:cut])
        if _source(module) is not None:
            return _lookup(module, tuple(parts[cut:]))
    return None


def positional_parameters(found: Definition) -> list[str]:
    if isinstance(found, ast.ClassDef):
        init = next(
            (n for n in found.body if isinstance(n, ast.FunctionDef) and n.name == "__init__"),
            None,
        )
        assert init is not None, f"{found.name} inherits its __init__: read its base class"
        arguments = init.args
        return [a.arg for a in [*arguments.posonlyargs, *arguments.args]][1:]  # without self
    arguments = found.args
    return [a.arg for a in [*arguments.posonlyargs, *arguments.args]]


@pytest.mark.parametrize("qualname", sorted(SEED_POSITION))
def test_the_seed_sits_where_the_table_says(qualname: str) -> None:
    library = "tensorflow" if qualname.startswith("tensorflow.") else "keras"
    if importlib.util.find_spec(library) is None:
        pytest.skip(f"{library} is not installed")
    found = definition(qualname)
    assert found is not None, f"{qualname}: not found in the installed {library}"
    parameters = positional_parameters(found)
    assert "seed" in parameters, f"{qualname}{parameters}: no positional seed"
    assert parameters.index("seed") == SEED_POSITION[qualname], f"{qualname}{parameters}"
