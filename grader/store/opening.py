"""Opening the store safely: created whole or not at all, and every fault one clear line.

A store is made in a temporary file beside its place and linked into place only once its tables
exist, so ``grader.sqlite`` is never an empty or half-made file that a second grader (or a later
``grader report``) could mistake for an empty class. An existing file must hold the store's
tables: a zero-byte file is a valid empty SQLite database (SQLite writes nothing until asked to),
and treating it as an empty class once deleted every rendered page. Every SQLite or file-system
fault, and every row that does not decode, becomes a ``StoreError`` with one line to show (the CLI
exits 2 on it).
"""

from __future__ import annotations

import os
import sqlite3
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

#: seconds a connection waits for another grader's write before it calls the store locked
LOCK_TIMEOUT_S = 30.0
#: the tables every grader store has had, since its first version
TABLES = frozenset({"meta", "submissions", "task_files", "runs"})
#: what decoding a damaged or wrongly typed row raises
DECODE_ERRORS = (ValueError, KeyError, TypeError, AttributeError, IndexError)
ADVICE = "grade into a new --out folder, or move the damaged store aside"


class StoreError(Exception):
    """The store cannot be opened, read or written; the message is one line for the user."""


def why(exc: BaseException) -> str:
    """A fault in a few words, without a traceback."""
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror.lower() if exc.strerror[:1].isupper() else exc.strerror
    return str(exc) or type(exc).__name__


def _folder_fault(folder: Path, exc: OSError) -> StoreError:
    if isinstance(exc, FileExistsError | NotADirectoryError):
        what = "is a file, or lies below one"
    else:
        what = f"cannot be used ({why(exc)})"
    return StoreError(f"the output folder {folder} {what}: choose another --out")


def connect(path: Path, *, schema: str, create: bool) -> sqlite3.Connection:
    """A connection to the grader store at ``path`` (made, if ``create``, whole at once)."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise _folder_fault(path.parent, exc) from exc
    if not path.parent.is_dir():
        raise _folder_fault(path.parent, NotADirectoryError())
    if create and not os.path.lexists(path):
        _create_whole(path, schema=schema)
    if not path.is_file() or path.is_symlink():
        raise StoreError(f"{path}: no grader store here (not a regular file)")
    with faults(path, "cannot be opened"):  # it exists: SQLite opens it, creating nothing
        db = sqlite3.connect(path, timeout=LOCK_TIMEOUT_S, isolation_level=None)
    with faults(path, "cannot be opened", db=db):
        found = {row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        if missing := sorted(TABLES - found):
            raise StoreError(f"{path}: not a grader store (it lacks the tables "
                             f"{', '.join(missing)}); {ADVICE}")
    return db


def _create_whole(path: Path, *, schema: str) -> None:
    """Make the store in a temporary file, then link it into place (a store another grader made
    meanwhile wins, and this one is dropped)."""
    try:
        handle, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".new")
    except OSError as exc:
        raise _folder_fault(path.parent, exc) from exc
    os.close(handle)
    temporary = Path(name)
    try:
        with faults(path, "cannot be created"):
            db = sqlite3.connect(temporary, isolation_level=None)
            try:
                db.execute("PRAGMA journal_mode=WAL")
                db.executescript(schema)
            finally:
                db.close()
        try:
            os.chmod(temporary, 0o644)
            os.link(temporary, path)
        except FileExistsError:
            pass  # another grader made it first: theirs is whole too
        except OSError as exc:
            raise StoreError(f"{path}: cannot be created ({why(exc)})") from exc
    finally:
        temporary.unlink(missing_ok=True)


@contextmanager
def faults(path: Path, doing: str, *, db: sqlite3.Connection | None = None) -> Iterator[None]:
    """Turn what SQLite or the file system raises into one StoreError line about ``path``
    (closing ``db`` first when one is given: a store that failed to open is not kept open)."""
    try:
        yield
    except StoreError:
        if db is not None:
            db.close()
        raise
    except (sqlite3.Error, OSError) as exc:
        if db is not None:
            db.close()
        raise StoreError(f"{path}: {doing} ({_sqlite_why(exc)}); {_advice(exc)}") from exc


def _sqlite_why(exc: BaseException) -> str:
    text = why(exc)
    return "locked by another program" if "locked" in text else text


def _advice(exc: BaseException) -> str:
    text = why(exc).lower()
    if "locked" in text or "busy" in text:
        return "wait for the other grader to finish, or stop it"
    if "full" in text or "readonly" in text or "read-only" in text or "disk i/o" in text:
        return "free space or write access is needed in the output folder"
    return ADVICE


@contextmanager
def decoding(path: Path, what: str) -> Iterator[None]:
    """A stored row that does not decode, or decodes to the wrong types, is a damaged store."""
    try:
        yield
    except DECODE_ERRORS as exc:
        raise StoreError(f"{path}: a stored {what} is damaged ({type(exc).__name__}: "
                         f"{why(exc)}); {ADVICE}") from exc
