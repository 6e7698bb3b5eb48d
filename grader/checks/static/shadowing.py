"""Names and methods the provided code relies on, and where a submission rebinds them.

The provided evaluation at the end of each script reads names bound earlier by provided code
(``np``, ``tf``, ``time``, ``start_time``, ``sys``) and builtins (``print``, ``int``). A student
who rebinds one of them at module level (``def print(*a): ...``, ``start_time = time.time()``,
``import fake as np``) changes what the provided code computes or prints, without touching a
provided line. Both sets are derived from the original, so nothing here names them.

The same goes for the methods the provided evaluation calls on the student's model
(``model.predict``, ``model.count_params``): overriding them in a subclass of a library class, or
assigning them on an object, changes the test error or model size the provided code reports.

Re-importing the same module under the same name (``import numpy as np`` again) is harmless and
allowed; names bound only inside functions do not reach the module and are not reported, but
declaring one of them ``global`` in a function is.
"""

from __future__ import annotations

import ast
import builtins
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import lru_cache

from grader.original.parse import inside_regions
from grader.pysource.qualnames import import_targets
from grader.records import OriginalScript

_BUILTINS = frozenset(dir(builtins))


@dataclass(frozen=True)
class Reserved:
    """Names the provided evaluation reads but does not bind itself."""

    names: frozenset[str]
    imports: dict[str, str]  # of those, the ones the provided code imports: name -> qualname
    #: methods the provided evaluation calls on the student's objects (``model.predict``,
    #: ``model.count_params``): overriding them changes what it computes or prints
    methods: frozenset[str] = frozenset()


@lru_cache(maxsize=16)
def reserved_names(original: OriginalScript) -> Reserved:
    """What the provided regions after the last student region read and earlier code bound,
    and the methods they call on objects the student's code made (the model)."""
    tree = ast.parse(original.text)
    student = [r for r in original.regions if r.kind == "student"]
    if not student:
        return Reserved(frozenset(), {}, frozenset())
    first, last = student[0].start, student[-1].end
    before = [r for r in original.provided if r.end < first]
    after = [r for r in original.provided if r.start > last]
    bound_before: dict[str, str | None] = {}
    for statement in tree.body:
        if inside_regions(statement, before):  # blocks too: the provided import of tf sits in a try
            for _, name, qualname in _walk([statement]):
                bound_before[name] = qualname
    bound_anywhere = {name for statement in tree.body for name, _ in _all_bindings(statement)}
    read_after: set[str] = set()
    called_on: list[tuple[str, str]] = []  # (object name, method) of ``obj.method(...)``
    for statement in tree.body:
        if inside_regions(statement, after):
            for node in ast.walk(statement):
                if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load):
                    read_after.add(node.id)
                elif (
                    isinstance(node, ast.Call)
                    and isinstance(node.func, ast.Attribute)
                    and isinstance(node.func.value, ast.Name)
                ):
                    called_on.append((node.func.value.id, node.func.attr))
    names = {n for n in read_after if n in bound_before}
    names |= {n for n in read_after if n in _BUILTINS and n not in bound_anywhere}
    names -= original.test_names  # the test_data.use check owns those
    imports = {n: q for n, q in bound_before.items() if n in names and q is not None}
    students = {
        name
        for statement in tree.body
        if inside_regions(statement, student)
        for _, name, _ in _walk([statement])
    }
    methods = frozenset(method for owner, method in called_on if owner in students)
    return Reserved(frozenset(names), imports, methods)


def all_module_bindings(
    tree: ast.Module, global_statements: Iterable[ast.Global]
) -> Iterator[tuple[ast.AST, str, str | None]]:
    """``(node, name, imported qualname or None)`` for every module-level binding, and for every
    ``global`` declaration (the only way a function rebinds a module name)."""
    yield from _walk(tree.body)
    for statement in global_statements:
        for name in statement.names:
            yield statement, name, None


def _walk(statements: list[ast.stmt]) -> Iterator[tuple[ast.AST, str, str | None]]:
    for statement in statements:
        for name, qualname in _bindings(statement):
            yield statement, name, qualname
        if isinstance(statement, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            continue  # their bodies bind local names
        for block in ("body", "orelse", "finalbody"):
            inner_block = getattr(statement, block, None)
            if isinstance(inner_block, list):
                yield from _walk(inner_block)
        for handler in getattr(statement, "handlers", ()):
            if handler.name:
                yield handler, handler.name, None
            yield from _walk(handler.body)
        for case in getattr(statement, "cases", ()):
            yield from _walk(case.body)


def _bindings(statement: ast.stmt) -> list[tuple[str, str | None]]:
    """The names ``statement`` itself binds in its scope (not those of nested blocks)."""
    if isinstance(statement, ast.Import | ast.ImportFrom):
        return [(i.name, i.value) for i in import_targets(statement) if i.name is not None]
    if isinstance(statement, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
        return [(statement.name, None)]
    targets: list[ast.AST] = []
    if isinstance(statement, ast.Assign | ast.Delete):
        targets = list(statement.targets)
    elif isinstance(statement, ast.AugAssign | ast.AnnAssign | ast.For | ast.AsyncFor):
        targets = [statement.target]
    elif isinstance(statement, ast.With | ast.AsyncWith):
        targets = [i.optional_vars for i in statement.items if i.optional_vars is not None]
    return [(name, None) for target in targets for name in _target_names(target)]


def _target_names(target: ast.AST) -> Iterator[str]:
    """The names an assignment target binds (attributes and items bind none)."""
    if isinstance(target, ast.Name):
        yield target.id
    elif isinstance(target, ast.Tuple | ast.List):
        for element in target.elts:
            yield from _target_names(element)
    elif isinstance(target, ast.Starred):
        yield from _target_names(target.value)


def _all_bindings(statement: ast.stmt) -> Iterator[tuple[str, str | None]]:
    for node in ast.walk(statement):
        if isinstance(node, ast.stmt):
            yield from _bindings(node)
