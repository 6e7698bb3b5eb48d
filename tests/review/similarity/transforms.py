"""What students do to hide a copy, as functions from one hand-in's text to another's.

Each transformation touches only the student's own lines (outside the provided regions) and keeps
the script valid Python, so the copies go through the grader like any hand-in. They are the
issue's list: renamed identifiers, reordered independent statements, changed comments and
whitespace, changed literals, a ``Sequential`` list against ``model.add`` calls, a loop against
repeated lines.
"""

from __future__ import annotations

import ast
import builtins
import io
import random
import tokenize
from collections.abc import Callable

_KEEP = frozenset(dir(builtins)) | {"self", "tf", "np", "keras", "layers", "models", "sys", "os",
                                    "time", "full_output", "show_analysis", "train_x", "train_y",
                                    "test_x", "test_y", "model", "transform"}


def _token_edit(text: str, own: frozenset[int],
                edit: Callable[[tokenize.TokenInfo], str | None]) -> str:
    """``text`` with each token on an own line replaced by ``edit(token)`` (None: unchanged)."""
    lines = text.splitlines(keepends=True)
    changes: list[tuple[int, int, int, str]] = []
    for token in tokenize.generate_tokens(io.StringIO(text).readline):
        if token.start[0] in own and token.start[0] == token.end[0]:
            new = edit(token)
            if new is not None:
                changes.append((token.start[0], token.start[1], token.end[1], new))
    for row, start, end, new in sorted(changes, reverse=True):
        line = lines[row - 1]
        lines[row - 1] = line[:start] + new + line[end:]
    return "".join(lines)


def rename(text: str, own: frozenset[int], rng: random.Random) -> str:
    """Every name the student bound (outside the provided code's names) renamed consistently."""
    tree = ast.parse(text)
    bound = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)
             and isinstance(n.ctx, ast.Store) and n.lineno in own}
    bound |= {n.name for n in ast.walk(tree) if isinstance(n, ast.FunctionDef) and n.lineno in own}
    bound |= {a.arg for f in ast.walk(tree) if isinstance(f, ast.FunctionDef) and f.lineno in own
              for a in f.args.args}
    names = {name: f"{rng.choice(['my', 'the', 'cur', 'x'])}_{name[::-1]}_{rng.randrange(99)}"
             for name in sorted(bound - _KEEP)}
    previous = [""]

    def edit(token: tokenize.TokenInfo) -> str | None:
        after_dot = previous[0] == "."
        previous[0] = token.string
        if token.type == tokenize.NAME and token.string in names and not after_dot:
            return names[token.string]
        return None

    return _token_edit(text, own, edit)


def literals(text: str, own: frozenset[int], rng: random.Random) -> str:
    """Numbers nudged and strings reworded (epochs 8 -> 9, "relu" stays "relu" in meaning)."""

    def edit(token: tokenize.TokenInfo) -> str | None:
        if token.type == tokenize.NUMBER:
            value = ast.literal_eval(token.string)
            if isinstance(value, int) and value > 2:
                return str(value + rng.choice([1, 2, -1]))
            if isinstance(value, float):
                return repr(round(value * rng.choice([0.5, 2.0, 1.5]), 6))
        if token.type == tokenize.STRING and token.string[:1] in "\"'" and "{" not in token.string:
            inner = ast.literal_eval(token.string)
            if isinstance(inner, str) and inner in {"accuracy", "acc"}:
                return repr("acc" if inner == "accuracy" else "accuracy")
        return None

    return _token_edit(text, own, edit)


def comments(text: str, own: frozenset[int], rng: random.Random) -> str:
    """Comments dropped or rewritten, blank lines and spacing around operators changed."""
    out = []
    for number, line in enumerate(text.splitlines(keepends=True), start=1):
        if number not in own:
            out.append(line)
            continue
        stripped = line.strip()
        if stripped.startswith("#"):
            if rng.random() < 0.5:
                out.append(line[: len(line) - len(line.lstrip())] + "# my own approach here\n")
            continue
        if not stripped:
            out.append("\n\n")
            continue
        out.append(line.replace(", ", ",  ").replace(" = ", "  =  ", 1))
    return "".join(out)


def reorder(text: str, own: frozenset[int], rng: random.Random) -> str:
    """Neighbouring independent top-level statements swapped (neither uses what the other binds)."""
    tree = ast.parse(text)
    lines = text.splitlines(keepends=True)
    body = [n for n in tree.body if n.lineno in own and (n.end_lineno or n.lineno) in own]
    swaps = []
    for first, second in zip(body, body[1:], strict=False):
        if (first.end_lineno or first.lineno) + 1 < second.lineno - 0 and not _blank_between(
                lines, first, second):
            continue
        if _independent(first, second) and rng.random() < 0.8:
            swaps.append((first, second))
    used: set[int] = set()
    for first, second in reversed(swaps):
        if id(first) in used or id(second) in used:
            continue
        used |= {id(first), id(second)}
        a = lines[first.lineno - 1 : first.end_lineno]
        gap = lines[first.end_lineno : second.lineno - 1]
        b = lines[second.lineno - 1 : second.end_lineno]
        lines[first.lineno - 1 : second.end_lineno] = b + gap + a
    return "".join(lines)


def _blank_between(lines: list[str], first: ast.stmt, second: ast.stmt) -> bool:
    between = lines[(first.end_lineno or first.lineno) : second.lineno - 1]
    return all(not line.strip() or line.strip().startswith("#") for line in between)


def _independent(first: ast.stmt, second: ast.stmt) -> bool:
    imports = ast.Import | ast.ImportFrom
    if isinstance(first, imports) or isinstance(second, imports):
        return False

    def names(node: ast.stmt, store: bool) -> set[str]:
        found = {n.id for n in ast.walk(node) if isinstance(n, ast.Name)
                 and isinstance(n.ctx, ast.Store) == store}
        if store and isinstance(node, ast.FunctionDef):
            found.add(node.name)
        return found

    def touched(node: ast.stmt) -> set[str]:  # model.add(...) changes model
        return {n.value.id for n in ast.walk(node) if isinstance(n, ast.Attribute)
                and isinstance(n.value, ast.Name)}

    a_bind, b_bind = names(first, True) | touched(first), names(second, True) | touched(second)
    a_use, b_use = names(first, False) | touched(first), names(second, False) | touched(second)
    return not (a_bind & b_use or b_bind & a_use or a_bind & b_bind)


def sequential_style(text: str, own: frozenset[int], rng: random.Random) -> str:
    """``m = Sequential([...])`` as ``model.add`` calls, and ``model.add`` runs as one list."""
    tree = ast.parse(text)
    lines = text.splitlines(keepends=True)
    for node in reversed(tree.body):
        if node.lineno not in own or not isinstance(node, ast.Assign):
            continue
        call = node.value
        if (isinstance(call, ast.Call) and _callee(call) == "Sequential" and call.args
                and isinstance(call.args[0], ast.List)):
            target = ast.unparse(node.targets[0])
            new = [f"{target} = {ast.unparse(call.func)}()\n"]
            new += [f"{target}.add({ast.unparse(e)})\n" for e in call.args[0].elts
                    if not isinstance(e, ast.Starred)]
            lines[node.lineno - 1 : node.end_lineno] = new
            return "".join(lines)
    adds = _add_run(tree, own)
    if adds is None:
        return text
    create, run = adds
    target = ast.unparse(create.targets[0])
    func = ast.unparse(create.value.func)  # type: ignore[attr-defined]
    items = "".join(f"    {ast.unparse(a.value.args[0])},\n" for a in run)  # type: ignore[attr-defined]
    lines[create.lineno - 1 : run[-1].end_lineno] = [f"{target} = {func}([\n{items}])\n"]
    return "".join(lines)


def loops(text: str, own: frozenset[int], rng: random.Random) -> str:
    """A run of ``model.add`` calls (or a ``Sequential`` list, made into them first) as a loop
    over the layers."""
    tree = ast.parse(text)
    adds = _add_run(tree, own)
    if adds is None:
        added = sequential_style(text, own, rng)
        if added == text:
            return text
        # no provided code builds a Sequential model: every line of the new text may hold it
        text, tree = added, ast.parse(added)
        adds = _add_run(tree, frozenset(range(1, added.count("\n") + 2)))
        if adds is None:
            return text
    create, run = adds
    lines = text.splitlines(keepends=True)
    target = ast.unparse(run[0].value.func.value)  # type: ignore[attr-defined]
    items = "".join(f"    {ast.unparse(a.value.args[0])},\n" for a in run)  # type: ignore[attr-defined]
    lines[run[0].lineno - 1 : run[-1].end_lineno] = [
        f"for layer in [\n{items}]:\n    {target}.add(layer)\n"]
    return "".join(lines)


def _callee(call: ast.Call) -> str:
    func = call.func
    return func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")


def _add_run(tree: ast.Module, own: frozenset[int]) -> tuple[ast.Assign, list[ast.Expr]] | None:
    """``m = Sequential()`` followed directly by ``m.add(x)`` statements, if there is one."""
    body = tree.body
    for index, node in enumerate(body):
        if (node.lineno in own and isinstance(node, ast.Assign)
                and isinstance(node.value, ast.Call) and _callee(node.value) == "Sequential"
                and not node.value.args):
            run = []
            for after in body[index + 1:]:
                if (isinstance(after, ast.Expr) and isinstance(after.value, ast.Call)
                        and _callee(after.value) == "add" and len(after.value.args) == 1):
                    run.append(after)
                else:
                    break
            if run:
                return node, run
    return None


TRANSFORMS: dict[str, Callable[[str, frozenset[int], random.Random], str]] = {
    "rename": rename,
    "reorder": reorder,
    "comments": comments,
    "literals": literals,
    "sequential": sequential_style,
    "loop": loops,
}


def everything(text: str, own_of: Callable[[str], frozenset[int]], rng: random.Random) -> str:
    """All transformations, one after another, each on the own lines of what the last one left."""
    for name in ("loop", "sequential", "reorder", "literals", "rename", "comments"):
        text = TRANSFORMS[name](text, own_of(text), rng)
    return text
