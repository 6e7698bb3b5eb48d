"""A task file's bytes decoded the way Python decodes them when it runs the file.

Python reads a source file as UTF-8 unless a coding declaration on line 1 or 2 says otherwise
(PEP 263; PEP 3120 made UTF-8 the default), and a UTF-8 byte-order mark is skipped. A grader that
decodes the bytes its own way checks another text than the one Python runs: with
``# -*- coding: unicode_escape -*-`` on line 1, a ``\\x0a`` inside a comment is a line break for
Python, so code hidden in a comment runs. So the encoding is found with the standard library's
own ``tokenize.detect_encoding`` (the same rules as the interpreter), and only UTF-8 (with or
without the mark) is run: for UTF-8 the bytes and the text map one to one, so what runs is byte
for byte what was checked. Any other declared encoding is a finding of its own; the text is still
decoded with it where possible, so the checks read what Python would have run.
"""

from __future__ import annotations

import codecs
import io
import tokenize
from dataclasses import dataclass

#: Python's codec names for UTF-8 source: ``utf-8-sig`` is UTF-8 after a byte-order mark
UTF8_CODECS = frozenset({"utf-8", "utf-8-sig"})


@dataclass(frozen=True)
class Decoded:
    """A file's text as Python reads it, the codec it reads it with, and what stands in the way."""

    text: str | None  # None when Python could not decode it either
    encoding: str  # the codec Python uses: "utf-8", "utf-8-sig" (a BOM) or the declared one
    #: why the file cannot be decoded at all (not UTF-8 and no usable declaration)
    unreadable: str | None = None
    #: why a declared encoding rules the file out (an encoding other than UTF-8, or an unknown one)
    declared: str | None = None


def is_utf8(encoding: str) -> bool:
    """Whether a file read with ``encoding`` is UTF-8, so its text encodes back to its bytes."""
    try:
        return codecs.lookup(encoding).name in UTF8_CODECS
    except LookupError:
        return False


def decode_source(raw: bytes) -> Decoded:
    """``raw`` decoded by Python's rules (PEP 263, BOM); never raises."""
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(raw).readline)
    except SyntaxError as exc:  # an unknown codec, a BOM against the declaration, or not UTF-8
        reason = str(exc)
        if "encoding problem" in reason or "unknown encoding" in reason:
            return Decoded(None, "", declared=f"Python refuses its coding declaration ({reason})")
        return Decoded(None, "utf-8", unreadable=_not_utf8(raw))
    text: str | None = None
    problem: str | None = None
    try:
        text = raw.decode(encoding)
    except (UnicodeDecodeError, LookupError) as exc:
        problem = str(exc)
    if is_utf8(encoding):
        return Decoded(text, encoding, unreadable=None if text is not None else _not_utf8(raw))
    why = (
        f"declares the encoding {encoding!r} (PEP 263) on line 1 or 2, so Python would read "
        f"other text than the file shows; only UTF-8 is run. The other findings are about the "
        f"text Python would read (their line numbers count its lines). Remove the declaration "
        "and save the file as UTF-8"
    )
    if text is None:
        why += f" (it does not even decode as {encoding}: {problem})"
    return Decoded(text, encoding, declared=why)


def runnable_text(text: str, encoding: str) -> str:
    """``text`` as the file to run holds it: with the byte-order mark put back in front (as
    U+FEFF) where the file had one, so that its UTF-8 encoding is the file's bytes again. UTF-8
    only: a file in another encoding is never run."""
    if not is_utf8(encoding):
        raise ValueError(f"only UTF-8 source is run, not {encoding}")
    return "\ufeff" + text if codecs.lookup(encoding).name == "utf-8-sig" else text


def _not_utf8(raw: bytes) -> str:
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        return f"not UTF-8 text (byte {exc.start}): save it as UTF-8"
    return "not UTF-8 text: save it as UTF-8"
