"""Writing an output file whole or not at all, readable like any file the user shares.

A reader (a browser left open, a gradebook import, another tool reading ``results.json``) must
never see half a file, so each file is written to a temporary file beside its target and renamed
over it. ``mkstemp`` makes that file owner-only; reports and results are meant for other markers
or a course web server, so the file gets the ordinary permissions of a shared file, ``0o644``.
A whole report is rendered into a staging folder and published file by file (``published``), so
a render that fails halfway leaves the previous report as it was.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

#: read and write for the owner, read for everyone else
SHARED_FILE_MODE = 0o644


def write_atomic(path: Path, text: str) -> Path:
    """Write ``text`` (UTF-8, line ends as given) to ``path`` so that no reader sees half of it."""
    return write_atomic_bytes(path, text.encode("utf-8"))


def write_atomic_bytes(path: Path, data: bytes) -> Path:
    """Write ``data`` to ``path`` so that no reader sees half of it (a zip for a VLE upload)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
        os.chmod(temporary, SHARED_FILE_MODE)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return path


#: staging folders are named so; one left by a grader that died is swept after this many seconds
STAGING_PREFIX = ".rendering-"
STALE_STAGING_S = 3600.0


class OutputError(Exception):
    """The outputs cannot be written; the message is one line for the user (exit 2)."""


def _why(exc: OSError) -> str:
    return exc.strerror or str(exc) or type(exc).__name__


@contextmanager
def published(out_dir: Path, *, prune: str = "students/*.html") -> Iterator[Path]:
    """A fresh staging folder inside ``out_dir`` to render every output into; when the block
    ends without error, each staged file replaces its namesake in ``out_dir`` (one rename each)
    and only then are files matching ``prune`` that the new render did not make removed.

    So a render that fails (a full disk, a read-only folder, an interrupt) leaves the outputs
    already there untouched: nothing rendered before is deleted until the new set is complete.
    File-system faults become one OutputError line."""
    out_dir = Path(out_dir)
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        _sweep(out_dir)
        stage = Path(tempfile.mkdtemp(dir=out_dir, prefix=STAGING_PREFIX))
    except OSError as exc:
        raise OutputError(f"the output folder {out_dir} cannot be written ({_why(exc)})") from exc
    try:
        try:
            yield stage
        except OSError as exc:
            raise OutputError(f"the outputs cannot be written into {out_dir} ({_why(exc)}); "
                              "the previous ones are left as they were") from exc
        try:
            _swap_in(stage, out_dir, prune=prune)
        except OSError as exc:
            raise OutputError(f"the outputs cannot be moved into {out_dir} ({_why(exc)}); "
                              "some may be those of the previous render") from exc
    finally:
        shutil.rmtree(stage, ignore_errors=True)


def _swap_in(stage: Path, out_dir: Path, *, prune: str) -> None:
    """Move every staged file over its namesake, deepest first (pages before the index that
    links them), then drop what ``prune`` matches and the new render did not make."""
    staged = sorted((p for p in stage.rglob("*") if p.is_file()),
                    key=lambda p: (-len(p.relative_to(stage).parts), str(p)))
    for source in staged:
        target = out_dir / source.relative_to(stage)
        target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(source, target)
    made = {out_dir / p.relative_to(stage) for p in staged}
    for stale in sorted(set(out_dir.glob(prune)) - made):
        stale.unlink(missing_ok=True)


def _sweep(out_dir: Path) -> None:
    """Remove staging folders a grader that died mid-render left behind (old ones only: a
    second grader may be rendering into the same folder right now)."""
    now = time.time()
    for old in out_dir.glob(f"{STAGING_PREFIX}*"):
        try:
            stale = now - old.stat().st_mtime > STALE_STAGING_S
            if stale and old.is_dir() and not old.is_symlink():
                shutil.rmtree(old, ignore_errors=True)
        except OSError:
            continue
