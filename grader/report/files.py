"""Writing the report's files: whole or not at all, readable like any other file the user makes.

A reader (a browser left open, a gradebook import) must never see half a file, so each file is
written beside its target and renamed over it. The temporary file is made by ``open``, not
``mkstemp``, so it gets the usual permissions (the umask's), not owner-only ones: a report is
meant to be shared with other markers or published on a course web server.
"""

from __future__ import annotations

import os
from pathlib import Path


def write_text(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        with open(temporary, "w", encoding="utf-8", newline="") as out:
            out.write(text)
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    return path
