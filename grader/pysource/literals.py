"""Constant expressions in a script: what is fixed when the script is written.

A seed is only a seed when it is a constant (``seed=42``, or ``SEED = 42`` then ``seed=SEED``), and
a path only names the dataset when it is spelled out (``"data" + "set.txt"``). These answer from
the expression and a table of names bound exactly once, in any scope, to a constant expression
(:func:`single_constants` builds it).
"""

from __future__ import annotations

import ast


def constant_string(node: ast.AST, constants: dict[str, ast.expr]) -> str | None:
    """The value of a string written as a constant expression (``"se" + "ed"``, ``NAME``)."""
    if isinstance(node, ast.Constant):
        return node.value if isinstance(node.value, str) else None
    if isinstance(node, ast.Name) and node.id in constants:
        return constant_string(constants[node.id], constants)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        left, right = constant_string(node.left, constants), constant_string(node.right, constants)
        return left + right if left is not None and right is not None else None
    if isinstance(node, ast.JoinedStr):
        parts = [constant_string(v, constants) for v in node.values]
        return "".join(p for p in parts if p is not None) if None not in parts else None
    if (
        isinstance(node, ast.FormattedValue)
        and node.format_spec is None
        and (node.conversion == -1)
    ):
        return constant_string(node.value, constants)
    if (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr == "join"
        and len(node.args) == 1
        and isinstance(node.args[0], ast.List | ast.Tuple)
    ):
        glue = constant_string(node.func.value, constants)
        parts = [constant_string(e, constants) for e in node.args[0].elts]
        return (
            glue.join(p for p in parts if p is not None)
            if (glue is not None and None not in parts)
            else None
        )
    return None


def is_constant(node: ast.AST, constants: dict[str, ast.expr]) -> bool:
    """Whether ``node`` is fixed when the script is written: literals, arithmetic on them,
    tuples of them and names bound once (``SEED = 42``) to them."""
    if isinstance(node, ast.Constant):
        return True
    if isinstance(node, ast.Name):
        return node.id in constants
    if isinstance(node, ast.UnaryOp):
        return is_constant(node.operand, constants)
    if isinstance(node, ast.BinOp):
        return is_constant(node.left, constants) and is_constant(node.right, constants)
    if isinstance(node, ast.Tuple | ast.List):
        return all(is_constant(e, constants) for e in node.elts)
    return False


def is_none(node: ast.AST, constants: dict[str, ast.expr]) -> bool:
    """``None``, written out or through a name bound once to it."""
    if isinstance(node, ast.Name) and node.id in constants:
        return is_none(constants[node.id], constants)
    return isinstance(node, ast.Constant) and node.value is None


def single_constants(
    assignments: list[tuple[str, ast.expr]], counts: dict[str, int]
) -> dict[str, ast.expr]:
    """``NAME = <constant expression>`` for names bound nowhere else, in any scope (``counts``:
    how often each name is bound)."""
    constants: dict[str, ast.expr] = {}
    pending = [(n, v) for n, v in assignments if counts.get(n) == 1]
    changed = True
    while changed:  # a constant may be written in terms of another one defined anywhere
        changed = False
        for name, value in pending:
            if name not in constants and is_constant(value, constants):
                constants[name] = value
                changed = True
    return constants
