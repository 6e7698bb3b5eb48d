"""Reading one task file: bounded in size, only if it is a regular file, and only as UTF-8.

Python runs a script only in UTF-8 (or what a PEP 263 line declares); a file saved as UTF-16 or
UTF-32 by a Windows editor is text all the same, so the student is told to save it as UTF-8
rather than that they handed in "a binary file". The text is decoded as Python decodes it
(:mod:`grader.pysource.encoding`): a declared encoding other than UTF-8 is reported on its own.
"""

from __future__ import annotations

import codecs
import hashlib

from grader.intake.filetree import READ_ERRORS, Node, TooLarge
from grader.pysource.encoding import decode_source
from grader.records import SourceFile

#: a task file larger than this is not code a student wrote
MAX_TASK_BYTES = 1_000_000
#: byte-order marks of the encodings Python cannot run a script in, longest first
WIDE_BOMS = ((codecs.BOM_UTF32_LE, "UTF-32"), (codecs.BOM_UTF32_BE, "UTF-32"),
             (codecs.BOM_UTF16_LE, "UTF-16"), (codecs.BOM_UTF16_BE, "UTF-16"))


def why(exc: BaseException) -> str:
    """What went wrong, without the path (the finding's location already names it)."""
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror
    if isinstance(exc, TooLarge):
        return f"too large: {exc}"
    return str(exc) or type(exc).__name__


def read_task_file(node: Node, *, name: str) -> tuple[SourceFile, str | None, str | None]:
    """The task file as a SourceFile, why its text could not be read (None when it could), and
    why its coding declaration keeps it from running (None when there is none, or UTF-8)."""
    raw = b""
    problem: str | None = None
    try:
        if node.is_link:
            raise OSError("a symbolic link, not a file")
        raw = node.read(limit=MAX_TASK_BYTES)
    except TooLarge as exc:
        problem = f"larger than {MAX_TASK_BYTES // 1_000_000} MB ({exc}): not a hand-written script"
    except READ_ERRORS as exc:
        problem = f"cannot be read ({why(exc)})"
    text: str | None = None
    encoding = "utf-8"
    declared: str | None = None
    if problem is None:
        if wide := _wide_encoding(raw):
            problem = f"{wide} text, which Python cannot run: save it as UTF-8"
        elif b"\0" in raw:
            problem = "a binary file, not a Python script"
        else:
            decoded = decode_source(raw)
            text, encoding = decoded.text, decoded.encoding
            problem, declared = decoded.unreadable, decoded.declared
    digest = hashlib.sha256(raw).hexdigest()
    source = SourceFile(
        name=name, path=node.location, sha256=digest, text=text, encoding=encoding
    )
    return source, problem, declared


def _wide_encoding(raw: bytes) -> str | None:
    """"UTF-16" or "UTF-32" when ``raw`` is text in one of them (some Windows editors save so):
    by its byte-order mark, or, without one, by where the NULs of mostly-ASCII text fall (the
    high bytes of nearly every 2- or 4-byte unit) and a clean decode. A binary file's NULs follow
    no such pattern."""
    for bom, name in WIDE_BOMS:
        if raw.startswith(bom):
            return name
    head = raw[:4096]
    if len(head) < 8 or b"\0" not in head:
        return None
    for width in (4, 2):
        head = head[: len(head) - len(head) % width]
        units = [head[i : i + width] for i in range(0, len(head), width)]
        for order, text_at in (("le", 0), ("be", width - 1)):
            ascii_like = sum(u[text_at] != 0 and u.count(0) == width - 1 for u in units)
            if ascii_like >= 0.9 * len(units):
                try:
                    head.decode(f"utf-{8 * width}-{order}")
                except UnicodeDecodeError:
                    continue
                return f"UTF-{8 * width}"
    return None
