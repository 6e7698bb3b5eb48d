"""Parse a run's stdout with the patterns derived from the original's own print statements."""

from __future__ import annotations

import re
from collections.abc import Sequence

from grader.records import ParsedOutput

_NUMBER = re.compile(r"-?\d+(?:\.\d+)?")


def _shorten(text: str, limit: int = 80) -> str:
    return repr(text if len(text) <= limit else text[:limit] + "…")


def parse_output(
    stdout: str, *, patterns: Sequence[str], fields: Sequence[str]
) -> ParsedOutput:
    """Stdout must be exactly one line per pattern (a final newline aside), each matching in full.

    The value of each field is the first number on its line: the provided prints carry one each.
    """
    text = stdout.removesuffix("\n")
    lines = text.split("\n") if text else []
    if len(lines) != len(patterns):
        extra = [line for line in lines if not any(re.fullmatch(p, line) for p in patterns)]
        detail = f"; unexpected: {_shorten(extra[0])}" if extra else ""
        return ParsedOutput(
            None, f"printed {len(lines)} line(s), expected exactly {len(patterns)}{detail}"
        )
    values: dict[str, float] = {}
    for number, (line, pattern, field) in enumerate(zip(lines, patterns, fields, strict=True), 1):
        if not re.fullmatch(pattern, line):
            return ParsedOutput(
                None, f"line {number} is {_shorten(line)}, not in the provided format"
            )
        found = _NUMBER.search(line)
        if found is None:  # a pattern without a number: nothing to read
            return ParsedOutput(None, f"line {number} carries no number: {_shorten(line)}")
        values[field] = float(found.group())
    return ParsedOutput(values)
