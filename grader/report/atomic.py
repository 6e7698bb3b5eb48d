"""Writing an output file whole or not at all, readable like any file the user shares.

A reader (a browser left open, a gradebook import, another tool reading ``results.json``) must
never see half a file, so each file is written to a temporary file beside its target and renamed
over it. ``mkstemp`` makes that file owner-only; reports and results are meant for other markers
or a course web server, so the file gets the ordinary permissions of a shared file, ``0o644``.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

#: read and write for the owner, read for everyone else
SHARED_FILE_MODE = 0o644


def write_atomic(path: Path, text: str) -> Path:
    """Write ``text`` (UTF-8, line ends as given) to ``path`` so that no reader sees half of it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="") as out:
            out.write(text)
        os.chmod(temporary, SHARED_FILE_MODE)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return path
