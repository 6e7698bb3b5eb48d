"""Where the provided code splits the data and where its evaluation starts, read from its AST.

The grader owns the split and the evaluation (issue 10): it draws the permutation the provided
split would draw and hands it to the run, and it takes the model out of the student's process at
the first statement of the provided evaluation. Both places are found here, from the original's
own code, so that nothing about them is hard-coded: the split is the call whose result indexes
the test set (``order = np.random.permutation(len(images))``, ``test_x = images[order[4000:]]``),
the evaluation is the first statement of the first provided region after the student regions.
``locate`` finds the same statements again in a hand-in (compared as ASTs: layout and comments
do not count), by line, for the harness.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass

from grader.original.parse import OriginalError, inside_regions
from grader.records import OriginalScript, Region


@dataclass(frozen=True)
class SplitSite:
    """The provided split and evaluation, as the harness needs them.

    ``call`` is the split function's qualified name (``numpy.random.permutation``); its result
    ``order`` gives the test rows ``order[test_start:test_stop]``. ``split`` and ``evaluation``
    are the ``ast.dump`` of the statement making the split and of the evaluation's first
    statement, which ``locate`` looks for in a hand-in.
    """

    call: str
    test_start: int | None
    test_stop: int | None
    split: str
    evaluation: str


def find_split(original: OriginalScript) -> SplitSite:
    """The split and the evaluation's start of ``original``; OriginalError when unclear."""
    tree = ast.parse(original.text)
    regions = original.regions
    student = [r for r in regions if r.kind == "student"]
    provided = original.provided
    before = [r for r in provided if student and r.end < student[0].start]
    after = [r for r in provided if student and r.start > student[-1].end]
    aliases = _aliases(tree)
    order_name, start, stop = _test_index(tree, before, original.test_names, original.path)
    split_stmt, call = _split_call(tree, before, order_name, aliases, original.path)
    evaluation = next((n for n in tree.body if inside_regions(n, after)), None)
    if evaluation is None:
        raise OriginalError(f"{original.path}: no provided statement after the student regions")
    return SplitSite(call=call, test_start=start, test_stop=stop, split=ast.dump(split_stmt),
                     evaluation=ast.dump(evaluation))


def locate(text: str, site: SplitSite) -> tuple[tuple[int, ...], int | None]:
    """Lines of ``text``'s module-level statements equal to the split (every line each spans:
    the call may sit on any of them), and of the evaluation's first statement (the last one equal
    to it), or () / None where the hand-in has none."""
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError):
        return (), None
    split_lines: list[int] = []
    evaluation: int | None = None
    for node in tree.body:
        dumped = ast.dump(node)
        if dumped == site.split:
            split_lines.extend(range(node.lineno, (node.end_lineno or node.lineno) + 1))
        elif dumped == site.evaluation:
            evaluation = node.lineno
    return tuple(split_lines), evaluation


def _aliases(tree: ast.Module) -> dict[str, str]:
    """Module-level import aliases: ``np`` -> ``numpy``, ``permutation`` -> its full name."""
    names: dict[str, str] = {}
    for node in tree.body:
        if isinstance(node, ast.Import):
            for alias in node.names:
                names[alias.asname or alias.name.partition(".")[0]] = (
                    alias.name if alias.asname else alias.name.partition(".")[0])
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            for alias in node.names:
                names[alias.asname or alias.name] = f"{node.module}.{alias.name}"
    return names


def _test_index(tree: ast.Module, before: list[Region], test_names: frozenset[str],
                path: str) -> tuple[str, int | None, int | None]:
    """The name indexing the test set and the slice of it that holds the test rows."""
    for node in tree.body:
        if not (isinstance(node, ast.Assign) and inside_regions(node, before)):
            continue
        for value in ast.walk(node.value):
            if not isinstance(value, ast.Subscript) or not isinstance(value.slice, ast.Subscript):
                continue
            inner = value.slice
            targets = {n.id for t in node.targets for n in ast.walk(t) if isinstance(n, ast.Name)}
            if (targets & test_names and isinstance(inner.value, ast.Name)
                    and isinstance(inner.slice, ast.Slice) and inner.slice.step is None):
                return inner.value.id, _bound(inner.slice.lower), _bound(inner.slice.upper)
    raise OriginalError(f"{path}: the test set is not a slice of an index array")


def _bound(node: ast.expr | None) -> int | None:
    if node is None:
        return None
    value = ast.literal_eval(node)
    if not isinstance(value, int):
        raise OriginalError("a test slice bound is not an integer literal")
    return value


def _split_call(tree: ast.Module, before: list[Region], order: str, aliases: dict[str, str],
                path: str) -> tuple[ast.stmt, str]:
    for node in tree.body:
        if (isinstance(node, ast.Assign) and inside_regions(node, before)
                and any(isinstance(t, ast.Name) and t.id == order for t in node.targets)
                and isinstance(node.value, ast.Call)):
            dotted = _dotted(node.value.func)
            if dotted:
                head, _, rest = dotted.partition(".")
                full = aliases.get(head, head) + (f".{rest}" if rest else "")
                return node, full
    raise OriginalError(f"{path}: {order} is not bound by a call of a module's function")


def _dotted(node: ast.expr) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        inner = _dotted(node.value)
        return f"{inner}.{node.attr}" if inner else None
    return None
