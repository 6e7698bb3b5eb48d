"""``flags.not_false``: ``full_output`` or ``show_analysis`` handed in as anything but False."""

from __future__ import annotations

import ast
from collections.abc import Iterable

from grader.checks.base import StaticCheck, TaskContext
from grader.ids import CheckId
from grader.pysource.lines import line_texts
from grader.records import Finding


def bindings_of_names(
    tree: ast.Module, names: Iterable[str], *, walrus: bool = True
) -> dict[str, list[ast.AST]]:
    """For each of ``names``, every node that binds (or deletes) it at module level, in source
    order.

    Module-level blocks (``if``, ``for``, ``with``, ``try``) share the module's scope; a function
    counts where it declares ``global name``; ``globals()[name] = ...`` counts too. Only statements
    are walked (bindings live in their targets), plus, with ``walrus`` (pass False when the source
    holds no ``:=``, to save walking every expression), the expressions of each statement.

    One walk serves every name (the check asks for both flags): each binding node binds exactly
    one name, so filing it under that name gives each list the nodes, in the same order, that a
    walk for that name alone would find. A function body is entered with just the names it
    declares ``global``, as a walk per name would enter it only for those.
    """
    found: dict[str, list[ast.AST]] = {name: [] for name in names}
    _walk_statements(tree.body, frozenset(found), found, walrus)
    return {
        name: sorted(nodes, key=lambda n: (_line(n), getattr(n, "col_offset", 0)))
        for name, nodes in found.items()
    }


def _walk_statements(
    statements: list[ast.stmt],
    names: frozenset[str],
    found: dict[str, list[ast.AST]],
    walrus: bool,
) -> None:
    for statement in statements:
        if isinstance(statement, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            if statement.name in names:
                found[statement.name].append(statement)
            if not isinstance(statement, ast.ClassDef):
                declared = names & _globals_declared(statement.body)
                if declared:
                    _walk_statements(statement.body, declared, found, walrus)
            continue
        for node, name in _targets(statement, names, walrus):
            found[name].append(node)
        for block in ("body", "orelse", "finalbody"):
            inner = getattr(statement, block, None)
            if isinstance(inner, list):
                _walk_statements(inner, names, found, walrus)
        for handler in getattr(statement, "handlers", ()):
            if handler.name in names:
                found[handler.name].append(handler)
            _walk_statements(handler.body, names, found, walrus)
        for case in getattr(statement, "cases", ()):
            _walk_statements(case.body, names, found, walrus)


def _globals_declared(statements: list[ast.stmt]) -> set[str]:
    """The names a function body (its nested blocks included, not nested functions) declares
    ``global``."""
    declared: set[str] = set()
    for statement in statements:
        if isinstance(statement, ast.Global):
            declared.update(statement.names)
        if isinstance(statement, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            continue
        blocks = [getattr(statement, b, None) for b in ("body", "orelse", "finalbody")]
        blocks += [h.body for h in getattr(statement, "handlers", ())]
        blocks += [c.body for c in getattr(statement, "cases", ())]
        for block in blocks:
            if isinstance(block, list):
                declared |= _globals_declared(block)
    return declared


Bound = tuple[ast.AST, str]  # a binding node and the name it binds


def _targets(statement: ast.stmt, names: frozenset[str], walrus: bool) -> list[Bound]:
    """The nodes of ``statement`` itself (not of its nested blocks) that bind one of ``names``."""
    targets: list[ast.AST] = []
    if isinstance(statement, ast.Assign | ast.Delete):
        targets = list(statement.targets)
    elif isinstance(statement, ast.AugAssign | ast.AnnAssign | ast.For | ast.AsyncFor):
        targets = [statement.target]
    elif isinstance(statement, ast.With | ast.AsyncWith):
        targets = [item.optional_vars for item in statement.items if item.optional_vars]
    elif isinstance(statement, ast.Import | ast.ImportFrom):
        bound = [(a, a.asname or a.name.split(".")[0]) for a in statement.names]
        return [(alias, name) for alias, name in bound if name in names]
    found = [pair for target in targets for pair in _bound_in(target, names)]
    if not walrus:
        return found
    # a walrus anywhere in the statement's own expressions binds in the module's scope
    for field in ("value", "test", "iter", "items", "targets", "target"):
        part = getattr(statement, field, None)
        for expression in part if isinstance(part, list) else [part]:
            if isinstance(expression, ast.AST):
                found += [
                    (n.target, n.target.id)
                    for n in ast.walk(expression)
                    if isinstance(n, ast.NamedExpr) and n.target.id in names
                ]
    return found


def _bound_in(target: ast.AST, names: frozenset[str]) -> list[Bound]:
    """The nodes of an assignment target that bind one of ``names`` (attributes and items bind
    none)."""
    if isinstance(target, ast.Name):
        return [(target, target.id)] if target.id in names else []
    if isinstance(target, ast.Tuple | ast.List):
        return [pair for element in target.elts for pair in _bound_in(element, names)]
    if isinstance(target, ast.Starred):
        return _bound_in(target.value, names)
    name = _globals_item(target)
    return [(target, name)] if name in names else []


def _globals_item(node: ast.AST) -> str | None:
    """``name`` of ``globals()["name"]`` or ``vars()["name"]`` as an assignment target."""
    if (
        isinstance(node, ast.Subscript)
        and isinstance(node.value, ast.Call)
        and isinstance(node.value.func, ast.Name)
        and node.value.func.id in ("globals", "vars")
        and isinstance(node.slice, ast.Constant)
        and isinstance(node.slice.value, str)
    ):
        return node.slice.value
    return None


def _is_false(node: ast.AST | None) -> bool:
    return isinstance(node, ast.Constant) and node.value is False


def _line(node: ast.AST) -> int:
    return int(getattr(node, "lineno", 0))


def _top_statement(tree: ast.Module, line: int) -> ast.stmt | None:
    """The module-level statement spanning ``line``."""
    return next((s for s in tree.body if s.lineno <= line <= (s.end_lineno or s.lineno)), None)


def _binds_false(statement: ast.stmt | None, target: ast.AST) -> bool:
    """``statement`` is ``flag = False`` (or ``flag: bool = False``) binding exactly ``target``."""
    if isinstance(statement, ast.Assign):
        return statement.targets == [target] and _is_false(statement.value)
    if isinstance(statement, ast.AnnAssign):
        return statement.target is target and _is_false(statement.value)
    return False


def _one_line_source(text: str, statement: ast.stmt | None) -> str | None:
    """The source of a one-line statement, for quoting (``ast.get_source_segment`` would split
    the whole file again for each call)."""
    if statement is None or statement.end_lineno != statement.lineno:
        return None
    lines = line_texts(text)
    if not 0 < statement.lineno <= len(lines):
        return None
    shown = lines[statement.lineno - 1].strip()
    return shown if len(shown) < 80 else None


class FlagsNotFalse(StaticCheck):
    """Each flag must be bound once, at module level, to the constant ``False``.

    The grader forces the flags to False before it runs anything, so this is about what was
    handed in: a script that prints progress or opens a figure when the marker runs it as is.
    """

    id = CheckId.FLAGS_NOT_FALSE

    def check(self, ctx: TaskContext) -> Iterable[Finding]:
        text = ctx.file.text or ""
        flags = ctx.original.flags
        bound = bindings_of_names(ctx.tree, flags, walrus=":=" in text)
        for flag in flags:
            bindings = bound[flag]
            if not bindings:
                yield self.finding(
                    f"`{flag}` is not defined: keep the provided `{flag} = False`",
                    file=ctx.file.name,
                )
                continue
            first = bindings[0]
            statement = _top_statement(ctx.tree, _line(first))
            if not _binds_false(statement, first):
                shown = _one_line_source(text, statement)
                yield self.finding(
                    f"`{flag}` must be handed in as `{flag} = False`"
                    + (f", not `{shown}`" if shown else ""),
                    file=ctx.file.name,
                    line=_line(first),
                )
            for later in bindings[1:]:
                yield self.finding(
                    f"`{flag}` is bound again at line {_line(later)}: it must stay False",
                    file=ctx.file.name,
                    line=_line(later),
                )
