"""Python source as a sequence of comparable tokens: what the code says, not how it is laid out.

Comments, blank lines and the width of indentation are dropped; numbers and strings compare by
value (``4_000`` is ``4000``, ``'a'`` is ``"a"``). Each distinct token becomes one character of a
string, so that searching for a region is ``str.find`` and aligning is ``difflib`` on strings.
"""

from __future__ import annotations

import ast
import io
import tokenize
from dataclasses import dataclass

_DROPPED = frozenset({tokenize.COMMENT, tokenize.NL, tokenize.ENCODING, tokenize.ENDMARKER})
_BY_TYPE = frozenset({tokenize.INDENT, tokenize.DEDENT, tokenize.NEWLINE})
_VOCABULARY: dict[tuple[int, str], str] = {}


@dataclass(frozen=True)
class Tokens:
    """A file as comparable tokens: ``code`` holds one character per token."""

    code: str
    lines: tuple[tuple[int, int], ...]  # each token's first and last line (strings span lines)
    cols: tuple[int, ...]  # each token's start column
    source_lines: tuple[str, ...]

    def is_structure(self, index: int) -> bool:
        """Whether token ``index`` is a line end or an indentation change."""
        return self.code[index] in STRUCTURE

    def line_span(self, first: int, stop: int) -> frozenset[int]:
        """Every line the tokens in [first, stop) touch."""
        return frozenset(line for i in range(first, stop)
                         for line in range(self.lines[i][0], self.lines[i][1] + 1))

    def quote(self, lines: tuple[int, int], *, limit: int = 70) -> str:
        """The source of ``lines`` (first, last) on one line, back-quoted and shortened."""
        text = " ".join(self.source_lines[n - 1].strip() for n in range(lines[0], lines[1] + 1)
                        if 0 < n <= len(self.source_lines))
        return "`" + (text if len(text) <= limit else text[: limit - 1] + "…") + "`"


def _symbol(key: tuple[int, str]) -> str:
    found = _VOCABULARY.get(key)
    if found is None:
        point = 0x100 + len(_VOCABULARY)
        found = chr(point + 0x800 if point >= 0xD800 else point)  # skip the surrogates
        _VOCABULARY[key] = found
    return found


def _key(kind: int, text: str) -> tuple[int, str]:
    if kind in _BY_TYPE:
        return kind, ""
    if kind in (tokenize.NUMBER, tokenize.STRING):
        try:  # f-strings and odd literals stay as written
            return kind, repr(ast.literal_eval(text))
        except (ValueError, SyntaxError, MemoryError, RecursionError):
            return kind, text
    return kind, text


#: the symbols of line ends and indentation changes
STRUCTURE = frozenset(_symbol((kind, "")) for kind in _BY_TYPE)
LINE_END = _symbol((tokenize.NEWLINE, ""))


def tokenise(text: str) -> Tokens:
    """Tokens of ``text``, which must be valid Python (``tokenize.TokenError`` otherwise)."""
    code: list[str] = []
    lines: list[tuple[int, int]] = []
    cols: list[int] = []
    for token in tokenize.generate_tokens(io.StringIO(text).readline):
        if token.type in _DROPPED:
            continue
        code.append(_symbol(_key(token.type, token.string)))
        lines.append((token.start[0], max(token.start[0], token.end[0])))
        cols.append(token.start[1])
    return Tokens("".join(code), tuple(lines), tuple(cols), tuple(text.splitlines()))
