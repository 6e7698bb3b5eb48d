"""Learn everything the grader needs about a provided original from the original itself.

Nothing about the provided scripts is hard-coded: the regions come from their marker comments,
the test-set names from a data-flow rule over their AST, the dataset from their ``open()`` call,
the flags from their header, and the output format from their own ``print`` statements. A new
original with the same conventions needs no change here.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterable
from functools import cache
from pathlib import Path

from grader.original.output_patterns import print_pattern
from grader.pysource.lines import line_texts
from grader.records import OriginalScript, Region
from grader.spec import TaskSpec

#: ``# ==== PROVIDED: load the data (do not change) ====`` or ``# ==== YOUR CODE: ... ====``
_OPEN_MARKER = re.compile(r"^\s*#\s*=+\s*(PROVIDED|YOUR CODE)\s*:\s*(?P<title>.*?)\s*=+\s*$")
_END_MARKER = re.compile(r"^\s*#\s*=+\s*END\b.*?=+\s*$")
_KIND = {"PROVIDED": "provided", "YOUR CODE": "student"}
_PARENTHESISED = re.compile(r"\s*\([^)]*\)\s*$")


class OriginalError(ValueError):
    """The provided original does not follow the conventions the grader relies on."""


def parse_original(task: TaskSpec) -> OriginalScript:
    """The parsed original of ``task``, read once per path and process (originals never change)."""
    return _parse_path(str(Path(task.original).resolve()), task.id)


@cache
def _parse_path(path: str, task_id: str) -> OriginalScript:
    text = Path(path).read_text(encoding="utf-8")
    return parse_original_text(text, task=task_id, path=path)


def parse_original_text(text: str, *, task: str, path: str) -> OriginalScript:
    """Parse an original's ``text``; raises :class:`OriginalError` when a convention is broken."""
    try:
        tree = ast.parse(text)
    except SyntaxError as exc:
        raise OriginalError(f"{path}: the original does not parse: {exc}") from exc
    regions = find_regions(text, path=path)
    provided = [r for r in regions if r.kind == "provided"]
    return OriginalScript(
        task=task,
        path=path,
        text=text,
        regions=tuple(regions),
        test_names=find_test_names(tree, regions, path=path),
        dataset_name=find_dataset_name(tree, provided, path=path),
        flags=find_flags(tree, first_marker=regions[0].start - 1),
        output_patterns=find_output_patterns(tree, provided, path=path),
    )


def find_regions(text: str, *, path: str = "<original>") -> list[Region]:
    """The fenced regions, in order; lines are those strictly between a marker and its END."""
    regions: list[Region] = []
    open_at: tuple[int, str, str] | None = None
    for number, line in enumerate(line_texts(text), start=1):
        opened = _OPEN_MARKER.match(line)
        if opened:
            if open_at is not None:
                raise OriginalError(
                    f"{path}:{number}: a region opens before line {open_at[0]}'s ends"
                )
            title = _PARENTHESISED.sub("", opened.group("title")) or opened.group("title")
            open_at = (number, _KIND[opened.group(1)], title)
        elif _END_MARKER.match(line):
            if open_at is None:
                raise OriginalError(f"{path}:{number}: an END marker closes no region")
            regions.append(
                Region(kind=open_at[1], title=open_at[2], start=open_at[0] + 1, end=number - 1)
            )
            open_at = None
    if open_at is not None:
        raise OriginalError(f"{path}:{open_at[0]}: the region is never closed")
    if not any(r.kind == "provided" for r in regions):
        raise OriginalError(f"{path}: no PROVIDED region marked")
    return regions


def inside_regions(node: ast.AST, regions: Iterable[Region]) -> bool:
    """Whether ``node`` lies wholly inside one of ``regions``."""
    start = int(getattr(node, "lineno", 0))
    end = int(getattr(node, "end_lineno", None) or start)
    return any(r.start <= start and end <= r.end for r in regions)


def _loaded(node: ast.AST) -> set[str]:
    return {n.id for n in ast.walk(node) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)}


def _stored(target: ast.AST) -> list[str]:
    return [
        n.id for n in ast.walk(target) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)
    ]


def _is_open_call(node: ast.AST) -> bool:
    """``open(...)`` or ``<module>.open(...)`` (io.open, codecs.open, gzip.open ...)."""
    if not isinstance(node, ast.Call):
        return False
    func = node.func
    return (isinstance(func, ast.Name) and func.id == "open") or (
        isinstance(func, ast.Attribute) and func.attr == "open"
    )


def find_test_names(tree: ast.Module, regions: list[Region], *, path: str) -> frozenset[str]:
    """The names through which the provided code hands the test set to its own evaluation.

    Data-flow rule, two passes over the module-level statements of the provided regions:

    1. *Data taint*: a name is data when a provided statement binds it from an expression that
       reads an opened file (``with open(...) as f``) or another data name; tuple assignments
       taint element by element, so ``train_x, train_y = ...`` and ``test_x, test_y = ...``
       are told apart by their own right-hand sides. ``del`` ends a name's life.
    2. *Consumed by the evaluation*: of the data names still alive when the first student region
       opens, the test set is exactly those that a provided region *after* the student regions
       reads (the final predict and the error computation). Training data is handed to the
       student and never read again by provided code, so it is excluded by construction.
    """
    provided = [r for r in regions if r.kind == "provided"]
    student = [r for r in regions if r.kind == "student"]
    if not student:
        raise OriginalError(f"{path}: no YOUR CODE region marked")
    first_student, last_student = student[0].start, student[-1].end
    before = [r for r in provided if r.end < first_student]
    after = [r for r in provided if r.start > last_student]
    data: set[str] = set()
    for node in tree.body:
        if not inside_regions(node, before):
            continue
        if isinstance(node, ast.With):
            for item in node.items:
                if _is_open_call(item.context_expr) and item.optional_vars is not None:
                    data.update(_stored(item.optional_vars))
            statements: list[ast.stmt] = node.body
        else:
            statements = [node]
        for statement in statements:
            _taint(statement, data)
    consumed: set[str] = set()
    for node in tree.body:
        if inside_regions(node, after):
            consumed |= _loaded(node)
    names = frozenset(data & consumed)
    if not names:
        raise OriginalError(
            f"{path}: cannot tell the test set: no data loaded before the student regions is "
            "read by the provided code after them"
        )
    return names


def _taint(statement: ast.stmt, data: set[str]) -> None:
    if isinstance(statement, ast.Delete):
        for target in statement.targets:
            if isinstance(target, ast.Name):
                data.discard(target.id)
        return
    if isinstance(statement, ast.Assign):
        targets, value = statement.targets, statement.value
    elif isinstance(statement, ast.AnnAssign | ast.AugAssign) and statement.value is not None:
        targets, value = [statement.target], statement.value
    else:
        return
    for target in targets:
        if (
            isinstance(target, ast.Tuple | ast.List)
            and isinstance(value, ast.Tuple | ast.List)
            and len(target.elts) == len(value.elts)
        ):
            for element, part in zip(target.elts, value.elts, strict=True):
                if _loaded(part) & data:
                    data.update(_stored(element))
        elif _loaded(value) & data:
            data.update(_stored(target))


def find_dataset_name(tree: ast.Module, provided: list[Region], *, path: str) -> str:
    """The file name the provided code opens: the first string literal given to an ``open``."""
    calls = [
        n
        for n in ast.walk(tree)
        if isinstance(n, ast.Call) and _is_open_call(n) and inside_regions(n, provided)
    ]
    for call in sorted(calls, key=lambda n: (n.lineno, n.col_offset)):
        if (
            call.args
            and isinstance(call.args[0], ast.Constant)
            and isinstance(call.args[0].value, str)
        ):
            return call.args[0].value
    raise OriginalError(f"{path}: the provided code opens no file named by a string literal")


def find_flags(tree: ast.Module, *, first_marker: int) -> tuple[str, ...]:
    """Module-level ``name = False`` assignments above the first marker, in order."""
    flags: list[str] = []
    for node in tree.body:
        if node.lineno >= first_marker:
            break
        if (
            isinstance(node, ast.Assign)
            and isinstance(node.value, ast.Constant)
            and node.value.value is False
        ):
            flags += [t.id for t in node.targets if isinstance(t, ast.Name)]
    return tuple(flags)


def find_output_patterns(tree: ast.Module, provided: list[Region], *, path: str) -> tuple[str, ...]:
    """A full-line regex per ``print()`` statement the provided code always runs.

    Only module-level ``print(...)`` statements count: a print nested in ``if show_analysis:``
    (or any other block) is not part of the output every run must show.
    """
    patterns: list[str] = []
    for node in tree.body:
        if (
            isinstance(node, ast.Expr)
            and isinstance(node.value, ast.Call)
            and isinstance(node.value.func, ast.Name)
            and node.value.func.id == "print"
            and inside_regions(node, provided)
        ):
            try:
                patterns.append(print_pattern(node.value))
            except ValueError as exc:
                raise OriginalError(f"{path}:{node.lineno}: {exc}") from exc
    if not patterns:
        raise OriginalError(f"{path}: the provided regions print nothing")
    return tuple(patterns)
