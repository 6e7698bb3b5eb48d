"""A student's own code in a canonical form, so that what students do to hide a copy washes out.

Only top-level statements outside the provided regions count (``provided_lines`` comes from the
diff stage's alignment). The syntax tree is rewritten before it is tokenised:

- imports and docstrings go (every solution imports the same few modules);
- every name a student chose (variables, functions, arguments) becomes ``v``, and every literal
  becomes ``0`` or ``''``: renamed identifiers and changed numbers, strings and comments vanish;
  attribute names and keyword names stay, because they are the library's, not the student's;
- ``m = Sequential([a, b])`` becomes ``m = Sequential()``, ``m.add(a)``, ``m.add(b)``;
- a short ``for`` loop over ``range(n)`` or a literal list is unrolled into its repeated body.

Each canonical statement keeps the line span of the statement it came from, so a match can be
shown on the student's own lines.
"""

from __future__ import annotations

import ast
import builtins
import copy
from collections.abc import Iterable
from dataclasses import dataclass

#: a loop is unrolled only up to this many rounds: longer ones are training loops, not layers
MAX_UNROLL = 8
_BUILTINS = frozenset(dir(builtins))


@dataclass(frozen=True)
class Canonical:
    """Canonical source, one or more lines per statement, and each line's original span."""

    text: str
    spans: tuple[tuple[int, int], ...]  # per canonical line: first and last line of the source


def own_statements(tree: ast.Module, provided_lines: frozenset[int]) -> list[ast.stmt]:
    """Top-level statements with at least one line outside the provided regions."""
    own = []
    for node in tree.body:
        lines = range(node.lineno, (node.end_lineno or node.lineno) + 1)
        if not all(line in provided_lines for line in lines):
            own.append(node)
    return own


def canonical(statements: Iterable[ast.stmt]) -> Canonical:
    """The canonical form of ``statements`` (see the module's docstring); rewrites them in
    place, so pass statements of a tree parsed for this."""
    texts: list[str] = []
    spans: list[tuple[int, int]] = []
    for node in statements:
        span = (node.lineno, node.end_lineno or node.lineno)
        for rewritten in _rewrite(node):
            for line in ast.unparse(rewritten).splitlines():
                texts.append(line)
                spans.append(span)
    return Canonical("\n".join(texts) + "\n" if texts else "", tuple(spans))


def _rewrite(node: ast.stmt) -> list[ast.stmt]:
    """``node`` as canonical statements (none for an import or a docstring)."""
    if isinstance(node, ast.Import | ast.ImportFrom):
        return []
    if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant):
        return []
    expanded = _expand_sequential(node) or _unroll(node) or [node]
    out: list[ast.stmt] = []
    for stmt in expanded:  # rewritten in place: the caller's tree is its own, parsed for this
        if isinstance(stmt, ast.For | ast.While | ast.If | ast.With | ast.FunctionDef):
            # inner statements first, while their literals (loop bounds) are still there
            stmt.body = [s for inner in stmt.body for s in _rewrite(inner)] or [ast.Pass()]
        out.append(_Normalise().visit(stmt))
    return out


def _expand_sequential(node: ast.stmt) -> list[ast.stmt] | None:
    """``m = Sequential([a, b])`` as ``m = Sequential()``, ``m.add(a)``, ``m.add(b)``."""
    if not (isinstance(node, ast.Assign) and len(node.targets) == 1):
        return None
    call, target = node.value, node.targets[0]
    if not (isinstance(call, ast.Call) and _called(call) == "Sequential"):
        return None
    layers = call.args[0] if call.args else None
    rest = [k for k in call.keywords if k.arg != "layers"]
    layers = layers or next((k.value for k in call.keywords if k.arg == "layers"), None)
    if not isinstance(layers, ast.List | ast.Tuple) or not isinstance(target, ast.Name):
        return None
    empty = ast.Assign([target], ast.Call(call.func, call.args[1:], rest))
    adds: list[ast.stmt] = [
        ast.Expr(
            ast.Call(
                ast.Attribute(ast.Name(target.id, ast.Load()), "add", ast.Load()),
                [element.value if isinstance(element, ast.Starred) else element],
                [],
            )
        )
        for element in layers.elts
    ]
    return [ast.fix_missing_locations(ast.copy_location(s, node)) for s in [empty, *adds]]


def _called(call: ast.Call) -> str:
    func = call.func
    if isinstance(func, ast.Attribute):
        return func.attr
    return func.id if isinstance(func, ast.Name) else ""


def _unroll(node: ast.stmt) -> list[ast.stmt] | None:
    """A short loop over ``range(n)`` or a literal list, as its body repeated."""
    if not isinstance(node, ast.For) or node.orelse or not isinstance(node.target, ast.Name):
        return None
    if any(isinstance(n, ast.Break | ast.Continue) for n in ast.walk(node)):
        return None
    values = _loop_values(node.iter)
    if values is None or not 0 < len(values) <= MAX_UNROLL:
        return None
    name = node.target.id
    unrolled: list[ast.stmt] = []
    for value in values:
        for stmt in node.body:
            unrolled.append(_Substitute(name, value).visit(copy.deepcopy(stmt)))
    return unrolled


def _loop_values(iterable: ast.expr) -> list[ast.expr] | None:
    if isinstance(iterable, ast.List | ast.Tuple):
        return list(iterable.elts)
    if isinstance(iterable, ast.Call) and _called(iterable) == "range" and iterable.args:
        try:
            bounds = [ast.literal_eval(a) for a in iterable.args]
        except ValueError:
            return None
        if not all(isinstance(b, int) for b in bounds) or len(bounds) > 3:
            return None
        steps = range(*bounds)
        if len(steps) > MAX_UNROLL:
            return None
        return [ast.Constant(i) for i in steps]
    return None


class _Substitute(ast.NodeTransformer):
    """Replace a loop variable by one round's value."""

    def __init__(self, name: str, value: ast.expr) -> None:
        self.name, self.value = name, value

    def visit_Name(self, node: ast.Name) -> ast.expr:
        if node.id == self.name and isinstance(node.ctx, ast.Load):
            return copy.deepcopy(self.value)
        return node


class _Normalise(ast.NodeTransformer):
    """Names a student chose become ``v``, literals ``0`` or ``''``, docstrings vanish."""

    def visit_Name(self, node: ast.Name) -> ast.Name:
        if node.id not in _BUILTINS:
            node.id = "v"
        return node

    def visit_arg(self, node: ast.arg) -> ast.arg:
        node.arg = "v"
        node.annotation = None
        return node

    def visit_FunctionDef(self, node: ast.FunctionDef) -> ast.FunctionDef:
        node.name = "v"
        node.returns = None
        node.body = [
            s for s in node.body
            if not (isinstance(s, ast.Expr) and isinstance(s.value, ast.Constant))
        ] or [ast.Pass()]
        self.generic_visit(node)
        return node

    def visit_Constant(self, node: ast.Constant) -> ast.Constant:
        if isinstance(node.value, bool) or node.value is None or node.value is Ellipsis:
            return node
        node.value = "" if isinstance(node.value, str | bytes) else 0
        return node

    def visit_JoinedStr(self, node: ast.JoinedStr) -> ast.Constant:
        return ast.copy_location(ast.Constant(""), node)
