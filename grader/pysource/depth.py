"""How deeply a syntax tree nests, measured without recursion.

The grader's analyses walk trees recursively, as most Python tools do, so a file nested far
deeper than any honest code (an attribute chain a thousand links long) would make every static
check fail at once and report only warnings: a way to hide a seed. Such a file is refused up
front instead (``checks/stage.py``), with its depth, before any recursive walk sees it.
"""

from __future__ import annotations

import ast

#: far deeper than any hand-written script (the reference solutions nest about 15 levels) and far
#: shallower than the depth at which the grader's recursive walks would exhaust Python's stack
MAX_DEPTH = 200


def nesting_depth(tree: ast.AST) -> tuple[int, int | None]:
    """The deepest nesting of ``tree`` and the line of a node at that depth (None: no line)."""
    deepest, deepest_line = 0, None
    stack: list[tuple[ast.AST, int, int | None]] = [(tree, 1, None)]
    while stack:
        node, depth, line = stack.pop()
        line = getattr(node, "lineno", line)  # a context node (Load ...) has the line of its parent
        if depth > deepest:
            deepest, deepest_line = depth, line
        stack.extend((child, depth + 1, line) for child in ast.iter_child_nodes(node))
    return deepest, deepest_line
