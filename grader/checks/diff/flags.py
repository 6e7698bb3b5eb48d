"""``flags.not_false``: ``full_output`` or ``show_analysis`` handed in as anything but False."""

from __future__ import annotations

import ast
from collections.abc import Iterable, Iterator

from grader.checks.base import StaticCheck, TaskContext
from grader.records import Finding

_SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda, ast.ListComp,
           ast.SetComp, ast.DictComp, ast.GeneratorExp)


def module_bindings(tree: ast.Module, name: str) -> list[ast.AST]:
    """Every node that binds (or deletes) the module-level ``name``, in source order.

    Module-level blocks (``if``, ``for``, ``with``, ``try``) share the module's scope; functions
    count only where they declare ``global name``; ``globals()[name] = ...`` counts too.
    """
    found = list(_bindings(tree.body, name, declared_global=True))
    return sorted(found, key=lambda n: (n.lineno, n.col_offset))  # type: ignore[attr-defined]


def _bindings(nodes: Iterable[ast.AST], name: str, *, declared_global: bool) -> Iterator[ast.AST]:
    for node in nodes:
        yield from _binding_nodes(node, name, declared_global=declared_global)


def _binding_nodes(node: ast.AST, name: str, *, declared_global: bool) -> Iterator[ast.AST]:
    if isinstance(node, ast.Name) and node.id == name and isinstance(node.ctx, ast.Store | ast.Del):
        if declared_global:
            yield node
        return
    if isinstance(node, ast.alias) and (node.asname or node.name.split(".")[0]) == name:
        if declared_global:
            yield node
        return
    if isinstance(node, ast.Subscript) and isinstance(node.ctx, ast.Store) \
            and isinstance(node.value, ast.Call) and isinstance(node.value.func, ast.Name) \
            and node.value.func.id in ("globals", "vars") \
            and isinstance(node.slice, ast.Constant) and node.slice.value == name:
        yield node
        return
    if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef) \
            and node.name == name and declared_global:
        yield node
    if isinstance(node, ast.ExceptHandler) and node.name == name and declared_global:
        yield node
    if isinstance(node, _SCOPES):
        body = getattr(node, "body", [])
        inner = isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and any(
            isinstance(n, ast.Global) and name in n.names for n in ast.walk(node)
        )
        statements = body if isinstance(body, list) else [body]
        yield from _bindings(statements, name, declared_global=inner)
        return
    yield from _bindings(ast.iter_child_nodes(node), name, declared_global=declared_global)


def _is_false(node: ast.AST | None) -> bool:
    return isinstance(node, ast.Constant) and node.value is False


class FlagsNotFalse(StaticCheck):
    """Each flag must be bound once, at module level, to the constant ``False``.

    The grader forces the flags to False before it runs anything, so this is about what was
    handed in: a script that prints progress or opens a figure when the marker runs it as is.
    """

    id = "flags.not_false"

    def check(self, ctx: TaskContext) -> Iterable[Finding]:
        top_level = {id(n) for n in ctx.tree.body}
        for flag in ctx.original.flags:
            bindings = module_bindings(ctx.tree, flag)
            if not bindings:
                yield self.finding(f"`{flag}` is not defined: keep the provided `{flag} = False`",
                                   file=ctx.file.name)
                continue
            first = bindings[0]
            statement = next((s for s in ctx.tree.body if s.lineno <= first.lineno  # type: ignore[attr-defined]
                              <= (s.end_lineno or s.lineno)), None)
            ok = statement is not None and id(statement) in top_level and (
                (isinstance(statement, ast.Assign) and len(statement.targets) == 1
                 and statement.targets[0] is first and _is_false(statement.value))
                or (isinstance(statement, ast.AnnAssign) and statement.target is first
                    and _is_false(statement.value))
            )
            if not ok:
                shown = ast.get_source_segment(ctx.file.text or "", statement) if statement else None
                yield self.finding(
                    f"`{flag}` must be handed in as `{flag} = False`"
                    + (f", not `{shown.strip()}`" if shown and len(shown) < 80 else ""),
                    file=ctx.file.name, line=first.lineno,  # type: ignore[attr-defined]
                )
            for later in bindings[1:]:
                yield self.finding(
                    f"`{flag}` is bound again at line {later.lineno}: it must stay False",  # type: ignore[attr-defined]
                    file=ctx.file.name, line=later.lineno,  # type: ignore[attr-defined]
                )
