"""Tokenising source for the diff stage: an f-string is one token, compared by its syntax tree.

Python 3.11 tokenises ``f"{x}"`` as one ``STRING`` token. From 3.12 (PEP 701) ``tokenize`` splits
it into ``FSTRING_START`` (``f"``, quote included), its parts and ``FSTRING_END``, so without
folding, a provided ``print(f"...")`` re-quoted by a formatter would read as changed code
(``protected.modified``). The project supports 3.11 and later, and only 3.11 is installed where
the suite usually runs, so the folding is tested twice: through :func:`tokenise` on whatever
Python runs the suite (on 3.12+ that runs the real token stream through the fold), and on a
3.12 token stream written out by hand, which runs :func:`fold_fstrings` on 3.11 too.
"""

from __future__ import annotations

import tokenize
from tokenize import NAME, NUMBER, OP, STRING, TokenInfo

import pytest

from grader.pysource.tokens import fold_fstrings, tokenise

NEEDS_312 = pytest.mark.skipif(
    not hasattr(tokenize, "FSTRING_START"), reason="the same quotes nested: Python 3.12 syntax"
)


@pytest.mark.parametrize(
    "double, single",
    [
        ('print(f"Test error: {test_error:.2f}%")\n', "print(f'Test error: {test_error:.2f}%')\n"),
        ('x = f"{a}"\n', "x = f'{a}'\n"),
        ('x = f"{a!r:>{width}}" + 1\n', "x = f'{a!r:>{width}}' + 1\n"),
        pytest.param(
            'x = f"{f"{a}"!r:>{width}}" + 1\n',
            "x = f'{f\"{a}\"!r:>{width}}' + 1\n",
            marks=NEEDS_312,
        ),
        ('x = f"""{a}\n{b}"""\n', "x = f'''{a}\n{b}'''\n"),
    ],
    ids=["print", "plain", "format-spec", "nested", "multi-line"],
)
def test_fstring_quotes_are_spelling(double: str, single: str) -> None:
    assert tokenise(double).code == tokenise(single).code
    assert len(tokenise(double).code) == len(tokenise(double.replace('f"', '"', 1)).code)


def test_different_fstrings_stay_different() -> None:
    assert tokenise('x = f"{a}"\n').code != tokenise('x = f"{b}"\n').code
    assert tokenise('x = f"{a:.2f}"\n').code != tokenise('x = f"{a:.1f}"\n').code


def _token(kind: int, text: str, start: int, line: str) -> TokenInfo:
    return TokenInfo(kind, text, (1, start), (1, start + len(text)), line)


def test_a_312_token_stream_folds_into_one_string_token() -> None:
    start, middle, end = 1001, 1002, 1003  # FSTRING_START, _MIDDLE, _END (3.12 numbers vary)
    line = 'y = f"a{x}" + 1'
    stream = [
        _token(NAME, "y", 0, line),
        _token(OP, "=", 2, line),
        _token(start, 'f"', 4, line),
        _token(middle, "a", 6, line),
        _token(OP, "{", 7, line),
        _token(NAME, "x", 8, line),
        _token(OP, "}", 9, line),
        _token(end, '"', 10, line),
        _token(OP, "+", 12, line),
        _token(NUMBER, "1", 14, line),
    ]
    folded = list(fold_fstrings(stream, [line], start, end))
    assert [(t.type, t.string) for t in folded] == [
        (NAME, "y"),
        (OP, "="),
        (STRING, 'f"a{x}"'),
        (OP, "+"),
        (NUMBER, "1"),
    ]
    assert (folded[2].start, folded[2].end) == ((1, 4), (1, 11))


def test_nested_and_multi_line_fstrings_fold_whole() -> None:
    start, end = 1001, 1003
    lines = ['x = f"""{f"{a}"}', 'b"""']
    stream = [
        TokenInfo(NAME, "x", (1, 0), (1, 1), lines[0]),
        TokenInfo(OP, "=", (1, 2), (1, 3), lines[0]),
        TokenInfo(start, 'f"""', (1, 4), (1, 8), lines[0]),
        TokenInfo(OP, "{", (1, 8), (1, 9), lines[0]),
        TokenInfo(start, 'f"', (1, 9), (1, 11), lines[0]),
        TokenInfo(OP, "{", (1, 11), (1, 12), lines[0]),
        TokenInfo(NAME, "a", (1, 12), (1, 13), lines[0]),
        TokenInfo(OP, "}", (1, 13), (1, 14), lines[0]),
        TokenInfo(end, '"', (1, 14), (1, 15), lines[0]),
        TokenInfo(OP, "}", (1, 15), (1, 16), lines[0]),
        TokenInfo(1002, "\nb", (1, 16), (2, 1), lines[0]),
        TokenInfo(end, '"""', (2, 1), (2, 4), lines[1]),
    ]
    folded = list(fold_fstrings(stream, lines, start, end))
    assert [(t.type, t.string) for t in folded] == [
        (NAME, "x"),
        (OP, "="),
        (STRING, 'f"""{f"{a}"}\nb"""'),
    ]
    assert (folded[2].start, folded[2].end) == ((1, 4), (2, 4))
