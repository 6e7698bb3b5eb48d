"""Source lines numbered the way Python numbers them.

``str.splitlines()`` also breaks at form feeds, vertical tabs, ``\\x1c``-``\\x1e``, ``\\x85``,
``\\u2028`` and ``\\u2029``, which may sit in a student's comment or string; ``ast`` and
``tokenize`` break only at ``\\r\\n``, ``\\r`` and ``\\n``. Wherever a line is found by a number
that came from a syntax tree or a token (or is handed to one), split with these instead.
"""

from __future__ import annotations

import io
from collections.abc import Callable


def split_lines(text: str) -> list[str]:
    """The lines of ``text`` with their ends, broken only at ``\\r\\n``, ``\\r`` and ``\\n``."""
    return io.StringIO(text, newline="").readlines()


def line_texts(text: str) -> list[str]:
    """The lines of ``text`` without their ends (like ``str.splitlines()``, but broken only where
    Python breaks them)."""
    lines = _newlines(text).split("\n")
    if lines[-1] == "":
        lines.pop()
    return lines


def line_reader(text: str) -> Callable[[], str]:
    """A ``readline`` for ``tokenize`` whose line numbers are those of ``ast``.

    Line ends become ``\\n``, as Python's own compiler reads them: ``tokenize`` fed a lone
    ``\\r`` neither ends the line there nor sees a statement end. Columns do not change.
    """
    return io.StringIO(_newlines(text)).readline


def _newlines(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n") if "\r" in text else text
