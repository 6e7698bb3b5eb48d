"""Python source as a sequence of comparable tokens: what the code says, not how it is laid out.

Comments, blank lines and the width of indentation are dropped; numbers and strings compare by
value (``4_000`` is ``4000``, ``'a'`` is ``"a"``, f-strings by their syntax tree); what a code
formatter adds or removes without changing the program is dropped too (see ``_layout_only``).
An f-string is one token on every Python: from 3.12 (PEP 701) ``tokenize`` splits it into
``FSTRING_START``, its parts and ``FSTRING_END``, which are folded back into one ``STRING`` token,
as 3.11 gives it (see ``fold_fstrings``).
Each distinct token becomes one character of a string, so that searching for a region is
``str.find`` and aligning is ``difflib`` on strings.
"""

from __future__ import annotations

import ast
import keyword
import tokenize
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache

from grader.pysource.lines import line_reader, line_texts

_DROPPED = frozenset({tokenize.COMMENT, tokenize.NL, tokenize.ENCODING, tokenize.ENDMARKER})
_BY_TYPE = frozenset({tokenize.INDENT, tokenize.DEDENT, tokenize.NEWLINE})
_VOCABULARY: dict[tuple[int, str], str] = {}
_KEYS: dict[str, tuple[int, str]] = {}  # the other way round
#: the token types of an f-string's start and end, from Python 3.12 (PEP 701); None before
if hasattr(tokenize, "FSTRING_START"):
    # getattr: type checkers that target 3.11 do not know the names
    FSTRING_TYPES: tuple[int, int] | None = (
        getattr(tokenize, "FSTRING_START"),  # noqa: B009
        getattr(tokenize, "FSTRING_END"),  # noqa: B009
    )
else:
    FSTRING_TYPES = None


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
        return frozenset(
            line
            for i in range(first, stop)
            for line in range(self.lines[i][0], self.lines[i][1] + 1)
        )

    def quote(self, lines: tuple[int, int], *, limit: int = 70) -> str:
        """The source of ``lines`` (first, last) on one line, back-quoted and shortened."""
        text = " ".join(
            self.source_lines[n - 1].strip()
            for n in range(lines[0], lines[1] + 1)
            if 0 < n <= len(self.source_lines)
        )
        return "`" + (text if len(text) <= limit else text[: limit - 1] + "…") + "`"


def _symbol(key: tuple[int, str]) -> str:
    found = _VOCABULARY.get(key)
    if found is None:
        point = 0x100 + len(_VOCABULARY)
        found = chr(point + 0x800 if point >= 0xD800 else point)  # skip the surrogates
        _VOCABULARY[key] = found
        _KEYS[found] = key
    return found


def symbol_key(symbol: str) -> tuple[int, str]:
    """The token (its type and normalised text) that ``symbol`` stands for. Symbols are handed
    out in the order tokens are first seen, so they differ between processes; the keys do not."""
    return _KEYS[symbol]


@lru_cache(maxsize=65536)
def _key(kind: int, text: str) -> tuple[int, str]:
    if kind in _BY_TYPE:
        return kind, ""
    if kind in (tokenize.NUMBER, tokenize.STRING):
        try:
            return kind, repr(ast.literal_eval(text))
        except (ValueError, SyntaxError, MemoryError, RecursionError):
            pass
        try:  # an f-string: its syntax tree does not depend on the quotes
            return kind, ast.dump(ast.parse(text.strip(), mode="eval").body)
        except (ValueError, SyntaxError, MemoryError, RecursionError):
            return kind, text
    return kind, text


#: the symbols of line ends and indentation changes
STRUCTURE = frozenset(_symbol((kind, "")) for kind in _BY_TYPE)
LINE_END = _symbol((tokenize.NEWLINE, ""))


def tokenise(text: str) -> Tokens:
    """Tokens of ``text``, which must be valid Python (``tokenize.TokenError`` otherwise)."""
    tokens: Iterable[tokenize.TokenInfo] = tokenize.generate_tokens(line_reader(text))
    if FSTRING_TYPES is not None:
        tokens = fold_fstrings(tokens, line_texts(text), *FSTRING_TYPES)
    raw = [t for t in tokens if t.type not in _DROPPED]
    keys = [_key(t.type, t.string) for t in raw]
    dropped = _layout_only(keys)
    kept = [i for i in range(len(raw)) if i not in dropped]
    return Tokens(
        "".join(_symbol(keys[i]) for i in kept),
        tuple((raw[i].start[0], max(raw[i].start[0], raw[i].end[0])) for i in kept),
        tuple(raw[i].start[1] for i in kept),
        tuple(line_texts(text)),
    )


def fold_fstrings(
    tokens: Iterable[tokenize.TokenInfo], lines: Sequence[str], start: int, end: int
) -> Iterator[tokenize.TokenInfo]:
    """``tokens`` with each f-string, from its ``start`` token to the matching ``end`` token
    (f-strings nest), folded into one ``STRING`` token of its source text, as Python 3.11
    tokenises it; ``lines`` are the source lines the tokens' positions point into."""
    depth = 0
    first: tokenize.TokenInfo | None = None
    for token in tokens:
        if token.type == start:
            if depth == 0:
                first = token
            depth += 1
        elif depth == 0:
            yield token
        elif token.type == end:
            depth -= 1
            if depth == 0 and first is not None:
                yield tokenize.TokenInfo(
                    tokenize.STRING,
                    _source(lines, first.start, token.end),
                    first.start,
                    token.end,
                    first.line,
                )


def _source(lines: Sequence[str], start: tuple[int, int], end: tuple[int, int]) -> str:
    """The source text from ``start`` to ``end`` (1-based lines, 0-based columns)."""
    (first, col), (last, end_col) = start, end
    if first == last:
        return lines[first - 1][col:end_col]
    middle = lines[first : last - 1]
    return "\n".join([lines[first - 1][col:], *middle, lines[last - 1][:end_col]])


_OPENERS = {"(": ")", "[": "]", "{": "}"}
#: after these a parenthesised expression is a whole right-hand side, target or operand
_WHOLE_BEFORE = frozenset(
    {
        "=",
        "+=",
        "-=",
        "*=",
        "/=",
        "//=",
        "%=",
        "@=",
        "&=",
        "|=",
        "^=",
        ">>=",
        "<<=",
        "**=",
        ":=",
        "del",
        "return",
    }
)
_WHOLE_AFTER = frozenset({"=", ";"})


def _layout_only(keys: list[tuple[int, str]]) -> set[int]:
    """Indexes of tokens that a formatter adds or removes without changing the program.

    - a trailing comma before a closing bracket, except where it makes a one-tuple (``(a,)``,
      ``x[a,]``): ``f(a, b,)`` is ``f(a, b)``, ``[a,]`` is ``[a]``;
    - parentheses around a whole right-hand side, target or ``del``/``return`` operand:
      ``x = (a + b)`` is ``x = a + b``, ``del (a, b)`` is ``del a, b``;
    - a semicolon at the end of a line: ``x = 1;`` is ``x = 1``.
    """

    def is_op(i: int, text: str) -> bool:
        return 0 <= i < len(keys) and keys[i] == (tokenize.OP, text)

    def after_value(i: int) -> bool:  # does the bracket at i follow a value (call, subscript)?
        if i == 0:
            return False
        kind, text = keys[i - 1]
        return (
            (kind == tokenize.OP and text in (")", "]", "}"))
            or kind == tokenize.STRING
            or (kind == tokenize.NAME and not keyword.iskeyword(text))
        )

    dropped: set[int] = set()
    stack: list[tuple[int, int]] = []  # (index of the opener, top-level commas so far)
    for i, (kind, text) in enumerate(keys):
        if kind != tokenize.OP:
            continue
        if text == ";" and (i + 1 == len(keys) or keys[i + 1][0] == tokenize.NEWLINE):
            dropped.add(i)  # a semicolon that ends a line separates nothing
        elif text in _OPENERS:
            stack.append((i, 0))
        elif text == "," and stack:
            opener, commas = stack.pop()
            stack.append((opener, commas + 1))
        elif text in (")", "]", "}") and stack:
            opener, commas = stack.pop()
            bracket = keys[opener][1]
            if is_op(i - 1, ","):
                # a lone comma makes a tuple in "(a,)" and in a subscript "x[a,]", nowhere else
                one_tuple = commas == 1 and (bracket == "(") != after_value(opener)
                if not one_tuple:
                    dropped.add(i - 1)
            before = keys[opener - 1] if opener else (tokenize.NEWLINE, "")
            starts_whole = before[0] in (tokenize.NEWLINE, tokenize.INDENT, tokenize.DEDENT) or (
                before[0] in (tokenize.OP, tokenize.NAME) and before[1] in _WHOLE_BEFORE
            )
            following = keys[i + 1] if i + 1 < len(keys) else (tokenize.NEWLINE, "")
            ends_whole = following[0] == tokenize.NEWLINE or (
                following[0] == tokenize.OP and following[1] in _WHOLE_AFTER
            )
            if bracket == "(" and i > opener + 1 and starts_whole and ends_whole:
                dropped |= {opener, i}
    return dropped
