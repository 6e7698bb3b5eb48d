"""The ``seed`` check's table of positional seed arguments agrees with the installed libraries,
and misses none of their public APIs that take a seed positionally.

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

from grader.checks.static.seed_positions import SEED_POSITION
from grader.pysource.qualnames import canonical

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
        if isinstance(node, ast.ClassDef) and node.name == name and len(rest) == 1:
            return next(  # a static method: Dataset.random(seed=None, ...)
                (f for f in node.body if isinstance(f, ast.FunctionDef) and f.name == rest[0]),
                None,
            )
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


#: the public namespaces whose every API with a positional seed the table must hold
KERAS_NAMESPACES = (
    "initializers", "layers", "random", "utils", "preprocessing", "ops", "ops.image",
    "datasets.boston_housing", "datasets.california_housing", "datasets.imdb", "datasets.reuters",
)
TENSORFLOW_NAMESPACES = (
    "", "random", "random.experimental", "nn", "nn.experimental", "image", "data.experimental",
    "queue", "io", "train", "compat.v1", "compat.v1.random", "compat.v1.random.experimental",
    "compat.v1.nn", "compat.v1.nn.experimental", "compat.v1.image", "compat.v1.initializers",
    "compat.v1.train", "compat.v1.data.experimental", "compat.v1.queue", "compat.v1.io",
)


def _public_init(library: str, namespace: str) -> Path | None:
    """The ``__init__.py`` that lists a public namespace's names (TensorFlow's sit in _api/v2)."""
    spec = importlib.util.find_spec(library)
    if spec is None or not spec.submodule_search_locations:
        return None
    root = Path(next(iter(spec.submodule_search_locations)))
    if library == "tensorflow" and namespace:
        root = root / "_api" / "v2"
    path = root.joinpath(*namespace.split(".")) if namespace else root
    return path / "__init__.py"


def _positional_seeds(library: str, namespaces: tuple[str, ...]) -> dict[str, int]:
    found: dict[str, int] = {}
    for namespace in namespaces:
        init = _public_init(library, namespace)
        assert init is not None and init.is_file(), f"{library}.{namespace}: no such namespace"
        public = f"{library}.{namespace}".rstrip(".")
        for node in _tree(init).body:
            if not (isinstance(node, ast.ImportFrom) and node.module and node.level == 0):
                continue
            for alias in node.names:
                defined = definition(f"{node.module}.{alias.name}")
                if defined is None:
                    continue  # a module, or a name the AST cannot follow
                try:
                    parameters = positional_parameters(defined)
                except AssertionError:
                    continue  # an inherited __init__: the base class is listed in its own right
                if "seed" in parameters:
                    name = canonical(f"{public}.{alias.asname or alias.name}")
                    found[name] = parameters.index("seed")
    return found


@pytest.mark.parametrize(
    ("library", "namespaces"),
    [("keras", KERAS_NAMESPACES), ("tensorflow", TENSORFLOW_NAMESPACES)],
)
def test_every_public_api_with_a_positional_seed_is_in_the_table(
    library: str, namespaces: tuple[str, ...]
) -> None:
    if importlib.util.find_spec(library) is None:
        pytest.skip(f"{library} is not installed")
    installed = _positional_seeds(library, namespaces)
    missing = {name: at for name, at in installed.items() if SEED_POSITION.get(name) != at}
    assert missing == {}
