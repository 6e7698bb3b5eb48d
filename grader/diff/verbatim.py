"""The fast path of the diff stage: provided regions handed back line for line.

Most students leave the provided code as it was, at most adding comments or blank lines. Matching
each region's code lines against the submission's lines (a line may gain a trailing comment;
blank and comment-only lines may come and go) and confirming against the syntax tree the
orchestrator already has that they are the same top-level statements (not text inside a string)
costs a small fraction of tokenising the file, which stays the path for everything else (see
``grader.diff.align``).
"""

from __future__ import annotations

import ast
import tokenize
from dataclasses import dataclass
from functools import lru_cache

from grader.pysource.lines import line_reader, line_texts
from grader.records import OriginalScript

#: a top-level statement as (first line, last line, column, kind)
Statement = tuple[int, int, int, str]


@dataclass(frozen=True)
class _Block:
    """A provided region as its code lines and the top-level statements they make up."""

    numbers: tuple[int, ...]  # original line numbers of the code lines
    code: tuple[str, ...]  # each line without its trailing comment and trailing spaces
    statements: tuple[Statement, ...]


def _statements(tree: ast.Module, first: int, last: int) -> tuple[Statement, ...]:
    return tuple(
        (node.lineno, node.end_lineno or node.lineno, node.col_offset, type(node).__name__)
        for node in tree.body
        if first <= node.lineno <= last
    )


def _code_parts(text: str) -> dict[int, str]:
    """Each code line's text before its comment; "" on a line where a string spanning lines
    starts, which a line-by-line comparison cannot judge."""
    lines = line_texts(text)
    cut: dict[int, int] = {}
    for token in tokenize.generate_tokens(line_reader(text)):
        if token.type == tokenize.STRING and token.start[0] != token.end[0]:
            cut[token.start[0]] = -1
        elif token.type == tokenize.COMMENT:
            cut[token.start[0]] = token.start[1]
    parts: dict[int, str] = {}
    for number, line in enumerate(lines, start=1):
        end = cut.get(number, len(line))
        if end < 0:
            parts[number] = ""
            continue
        code = line[:end].rstrip()
        if code.strip():
            parts[number] = code
    return parts


@lru_cache(maxsize=8)
def _blocks(original: OriginalScript) -> tuple[_Block, ...] | None:
    """Each provided region as a block, or None when one cannot be compared line by line."""
    tree = ast.parse(original.text)
    parts = _code_parts(original.text)
    blocks = []
    for region in original.provided:
        numbers = tuple(n for n in range(region.start, region.end + 1) if n in parts)
        if not numbers or any(parts[n] == "" for n in numbers):
            return None
        statements = _statements(tree, numbers[0], numbers[-1])
        if (
            not statements
            or statements[0][0] != numbers[0]
            or any(s[1] > numbers[-1] for s in statements)
        ):
            return None  # the region is not made of whole top-level statements
        blocks.append(_Block(numbers, tuple(parts[n] for n in numbers), statements))
    return tuple(blocks)


def _same_code(line: str, code: str) -> bool:
    """``line`` is ``code``, perhaps followed by spaces and a comment."""
    if not line.startswith(code):
        return False
    rest = line[len(code) :].lstrip()
    return not rest or rest.startswith("#")


def _is_layout(line: str) -> bool:
    stripped = line.lstrip()
    return not stripped or stripped.startswith("#")


def _match_at(lines: list[str], start: int, block: _Block) -> list[int] | None:
    """The submission line numbers of the block's code lines, if they follow from ``start``."""
    found = [start + 1]
    index = start + 1
    for code in block.code[1:]:
        while index < len(lines) and _is_layout(lines[index]):
            index += 1
        if index >= len(lines) or not _same_code(lines[index], code):
            return None
        found.append(index + 1)
        index += 1
    return found


def find_verbatim(original: OriginalScript, text: str, tree: ast.Module) -> list[range] | None:
    """The submission lines of every provided region, if each appears line for line, in order,
    as the same top-level statements; None as soon as one does not."""
    blocks = _blocks(original)
    if blocks is None:
        return None
    lines = line_texts(text)
    found: list[range] = []
    cursor = 0
    for block in blocks:
        for start in range(cursor, len(lines)):
            if not _same_code(lines[start], block.code[0]):
                continue
            numbers = _match_at(lines, start, block)
            if numbers is None:
                continue
            where = dict(zip(block.numbers, numbers, strict=True))
            expected = tuple(
                (where[a], where[b], col, kind) for a, b, col, kind in block.statements
            )
            if _statements(tree, numbers[0], numbers[-1]) != expected:
                return None  # the same text, but not the same code: inside a string, nested ...
            found.append(range(numbers[0], numbers[-1] + 1))
            cursor = numbers[-1]
            break
        else:
            return None
    return found
