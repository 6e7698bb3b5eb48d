"""Which uses of a name are a function's own variable rather than the module's.

``def error_rate(model, test_x, test_y)`` names its parameters like the module's test set, and
every ``test_x`` in its body is the parameter, not the test set: only a call that passes the test
set in reads it (and that call is in the caller's scope). Python decides this per scope: a name
is local to a function (or lambda, or comprehension) when the scope binds it (a parameter, an
assignment, a loop variable, an import, ``def``, ``class``) and does not declare it ``global``;
a nested function sees its enclosing functions' locals; class bodies are not enclosing scopes
for the methods in them. Decorators, default values and a comprehension's first iterable are
evaluated in the enclosing scope. This module applies those rules to a syntax tree.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator

_FUNCTIONS = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)
_COMPREHENSIONS = (ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)
Scope = (
    ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda | ast.ListComp | ast.SetComp
    | ast.DictComp | ast.GeneratorExp
)


def local_uses(tree: ast.Module, names: frozenset[str]) -> frozenset[int]:
    """The ids of the ``ast.Name`` nodes, among ``names``, that refer to a function's (or
    comprehension's) own variable or an enclosing function's, never to the module's."""
    found: set[int] = set()
    _, nested = _split(tree.body)
    for scope in nested:
        _visit(scope, frozenset(), names, found)
    return frozenset(found)


def _visit(scope: Scope, enclosing: frozenset[str], names: frozenset[str], found: set[int]) -> None:
    own, nested = _split(_inside(scope))
    declared_global = {n for node in own if isinstance(node, ast.Global) for n in node.names}
    bound = _parameters(scope) | {n for node in own for n in _binds(node)}
    local = (bound - declared_global) | (enclosing - declared_global)
    for node in own:
        if isinstance(node, ast.Name) and node.id in names and node.id in local:
            found.add(id(node))
    for inner in nested:
        _visit(inner, frozenset(local), names, found)


def _inside(scope: Scope) -> list[ast.AST]:
    """What a scope evaluates itself: a body, or a comprehension less its first iterable."""
    if isinstance(scope, ast.Lambda):
        return [scope.body]
    if isinstance(scope, _COMPREHENSIONS):
        parts: list[ast.AST] = []
        for index, generator in enumerate(scope.generators):
            parts += [generator.target, *generator.ifs]
            if index:
                parts.append(generator.iter)
        if isinstance(scope, ast.DictComp):
            return [*parts, scope.key, scope.value]
        return [*parts, scope.elt]
    return list(scope.body)


def _split(nodes: list[ast.AST] | list[ast.stmt]) -> tuple[list[ast.AST], list[Scope]]:
    """The nodes evaluated in this scope, and the scopes nested directly in it.

    A nested function's decorators and defaults, and a comprehension's first iterable, belong to
    this scope; a class body too (its methods do not see it, but its statements run here).
    """
    own: list[ast.AST] = []
    nested: list[Scope] = []
    stack: list[ast.AST] = list(reversed(nodes))
    while stack:
        node = stack.pop()
        own.append(node)
        if isinstance(node, _FUNCTIONS):
            nested.append(node)
            arguments = node.args
            outer: list[ast.AST] = [*arguments.defaults]
            outer += [d for d in arguments.kw_defaults if d is not None]
            if not isinstance(node, ast.Lambda):
                outer += node.decorator_list
            stack.extend(reversed(outer))
        elif isinstance(node, _COMPREHENSIONS):
            nested.append(node)
            stack.append(node.generators[0].iter)
        else:
            stack.extend(reversed(list(ast.iter_child_nodes(node))))
    return own, nested


def _parameters(scope: Scope) -> set[str]:
    if isinstance(scope, _COMPREHENSIONS):
        return set()
    arguments = scope.args
    every = [*arguments.posonlyargs, *arguments.args, *arguments.kwonlyargs]
    every += [a for a in (arguments.vararg, arguments.kwarg) if a is not None]
    return {a.arg for a in every}


def _binds(node: ast.AST) -> Iterator[str]:
    """The names ``node`` binds in the scope it is evaluated in."""
    if isinstance(node, ast.Name) and not isinstance(node.ctx, ast.Load):
        yield node.id
    elif isinstance(node, _FUNCTIONS[:2] + (ast.ClassDef, ast.ExceptHandler)):
        if node.name:
            yield node.name
    elif isinstance(node, ast.Import | ast.ImportFrom):
        for alias in node.names:
            if alias.name != "*":
                yield (alias.asname or alias.name).split(".")[0]
