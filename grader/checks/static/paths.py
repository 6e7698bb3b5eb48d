"""Which file a path expression names, as far as the source tells: is it the dataset?

Students open the dataset in many spellings: ``"dataset.txt"``, ``"./dataset.txt"``,
``Path("dataset.txt")``, ``os.path.join(os.path.dirname(__file__), "dataset.txt")``,
``Path(__file__).parent / "dataset.txt"``, or a name bound to any of those. A path is taken to be
the dataset when its last part is the dataset's file name and every other part is either ``.``
or computed at run time (the script's own folder, the working folder). A written-out folder such
as ``"../data/dataset.txt"`` names another file: the graded run only has the dataset beside the
script.
"""

from __future__ import annotations

import ast

from grader.pysource.resolver import Resolver

# fmt: off
#: calls whose result is the path made of their arguments
_JOINS: frozenset[str] = frozenset({
    "pathlib.Path", "pathlib.PurePath", "pathlib.PosixPath", "pathlib.PurePosixPath",
    "os.path.join", "posixpath.join", "os.path.abspath", "os.path.realpath",
    "os.path.normpath", "os.fspath", "builtins.str",
})
# fmt: on
DEVNULL = "os.devnull"
#: how deep a chain of names is followed (``p = q``, ``q = Path(...)``)
_MAX_DEPTH = 8

Part = str | None  # a path component, or None where it is computed at run time


def path_parts(node: ast.AST, resolver: Resolver, depth: int = 0) -> list[Part]:
    """The components of the path ``node`` evaluates to; unknown stretches become None."""
    if depth > _MAX_DEPTH:
        return [None]
    text = resolver.string(node)
    if text is not None:
        parts: list[Part] = [part for part in text.split("/") if part] or ["."]
        return ["/", *parts] if text.startswith("/") else parts
    if isinstance(node, ast.Name) and node.id in resolver.alias_nodes:
        return path_parts(resolver.alias_nodes[node.id], resolver, depth + 1)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Div):
        return path_parts(node.left, resolver, depth + 1) + path_parts(
            node.right, resolver, depth + 1
        )
    if isinstance(node, ast.Call):
        callee = resolver.resolve(node.func)
        if callee in _JOINS and node.args:
            return [p for a in node.args for p in path_parts(a, resolver, depth + 1)]
        if isinstance(node.func, ast.Attribute) and node.func.attr == "joinpath":
            parts = path_parts(node.func.value, resolver, depth + 1)
            return parts + [p for a in node.args for p in path_parts(a, resolver, depth + 1)]
    return [None]


def is_dataset(node: ast.AST, dataset_name: str, resolver: Resolver) -> bool:
    """Whether ``node`` names the dataset beside the script (see the module's docstring)."""
    parts = path_parts(node, resolver)
    return (
        bool(parts)
        and parts[-1] == dataset_name
        and all(part in (None, ".") for part in parts[:-1])
    )


def is_devnull(node: ast.AST, resolver: Resolver) -> bool:
    return resolver.resolve(node) == DEVNULL or resolver.string(node) == "/dev/null"
