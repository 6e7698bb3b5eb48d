"""The SQLite store: what was observed, written as it arrives, so an interrupted batch resumes.

One file, ``grader.sqlite``, in the output folder. Runs are keyed by (task, sha256 of the task file
as handed in, run conditions, run index), so an unchanged file is never run again under the same
conditions, even under another student id or in another batch written to the same folder, and a
run made under other conditions (another hard timeout, other limits, isolation, dataset or
harness) is never mixed with them. Each run is one transaction (WAL journal), so killing the
grader, even with SIGKILL, loses at most the runs that were still going.

A folder accumulates: each batch upserts its submissions and replaces only the task rows of the
tasks it graded; each task row says how many runs, under which conditions, it is judged on.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Self

from grader.records import HandIn, RunOutcome, StaticResult, Submission
from grader.store.codec import (
    expect,
    hand_in_from_json,
    outcome_from_json,
    outcome_to_json,
    static_from_json,
    static_to_json,
)
from grader.store.opening import StoreError, connect, decoding, faults

__all__ = ["STORE_NAME", "Store", "StoreError", "StoredSubmission", "StoredTask"]

STORE_NAME = "grader.sqlite"
SCHEMA_VERSION = 3  # 3: submissions.hand_in (name, VLE id, submission time and its source)
ANALYSIS_INDEX = -1  # the run index of the extra run that draws the sensitivity analysis

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS submissions (
    id TEXT PRIMARY KEY, position INTEGER NOT NULL, source TEXT NOT NULL, sha256 TEXT NOT NULL,
    kind TEXT NOT NULL DEFAULT 'student', hand_in TEXT
);
CREATE TABLE IF NOT EXISTS task_files (
    submission_id TEXT NOT NULL, task TEXT NOT NULL, file_sha256 TEXT, static_json TEXT NOT NULL,
    runs_expected INTEGER, conditions TEXT,
    PRIMARY KEY (submission_id, task)
);
CREATE TABLE IF NOT EXISTS runs (
    task TEXT NOT NULL, file_sha256 TEXT NOT NULL, idx INTEGER NOT NULL,
    outcome_json TEXT NOT NULL, figure BLOB, finished_at TEXT NOT NULL DEFAULT (datetime('now')),
    conditions TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (task, file_sha256, conditions, idx)
);
CREATE TABLE IF NOT EXISTS sources (file_sha256 TEXT PRIMARY KEY, text TEXT NOT NULL);
"""

#: version 1 keyed runs without their conditions: they are kept under the conditions "" (which no
#: batch plans, so they are run again), and task rows of version 1 are judged on them as before
_MIGRATE_RUNS_V1 = """
CREATE TABLE runs_v2 (
    task TEXT NOT NULL, file_sha256 TEXT NOT NULL, idx INTEGER NOT NULL,
    outcome_json TEXT NOT NULL, figure BLOB, finished_at TEXT NOT NULL DEFAULT (datetime('now')),
    conditions TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (task, file_sha256, conditions, idx)
);
INSERT INTO runs_v2 (task, file_sha256, idx, outcome_json, figure, finished_at, conditions)
    SELECT task, file_sha256, idx, outcome_json, figure, finished_at, '' FROM runs;
DROP TABLE runs;
ALTER TABLE runs_v2 RENAME TO runs;
"""


@dataclass(frozen=True)
class StoredTask:
    """One task of one stored submission: its static result, the hash its runs are keyed by, and
    what its batch asked for: how many runs it is judged on, made under which conditions."""

    task: str
    file_sha256: str | None  # None when the file is missing or unreadable
    static: StaticResult
    runs_expected: int | None = None  # None: a version 1 row (the caller's default applies)
    conditions: str = ""  # the fingerprint its runs were made under ("": a version 1 row)


@dataclass(frozen=True)
class StoredSubmission:
    id: str
    source: str
    sha256: str
    kind: str  # "student" or "reference"
    tasks: dict[str, StoredTask]
    hand_in: HandIn = HandIn()


class Store:
    """A thin typed layer over one SQLite file. Not shared between threads: one per thread.

    Every fault (a damaged, empty, locked, read-only or full store, an output folder that is a
    file, a row that does not decode) raises ``StoreError`` with one line for the user.
    ``create=False`` opens only an existing store (``grader report`` makes nothing)."""

    def __init__(self, path: Path, *, create: bool = True) -> None:
        self.path = path
        self._db = connect(path, schema=_SCHEMA, create=create)
        with faults(path, "cannot be opened", db=self._db):
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")
            self._db.executescript(_SCHEMA)
            self._migrate()

    def _migrate(self) -> None:
        """Bring a store written by an older grader to this schema (one transaction)."""
        row = self._db.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
        if row is not None and row[0] == str(SCHEMA_VERSION):
            return
        with self._transaction() as db:
            task_columns = {row[1] for row in db.execute("PRAGMA table_info(task_files)")}
            for column, kind in (("runs_expected", "INTEGER"), ("conditions", "TEXT")):
                if column not in task_columns:
                    db.execute(f"ALTER TABLE task_files ADD COLUMN {column} {kind}")
            if "hand_in" not in {row[1] for row in db.execute("PRAGMA table_info(submissions)")}:
                db.execute("ALTER TABLE submissions ADD COLUMN hand_in TEXT")
            if "conditions" not in {row[1] for row in db.execute("PRAGMA table_info(runs)")}:
                for statement in filter(str.strip, _MIGRATE_RUNS_V1.split(";")):
                    db.execute(statement)
            db.execute("INSERT OR REPLACE INTO meta VALUES ('schema_version', ?)",
                       (str(SCHEMA_VERSION),))

    @classmethod
    def in_folder(cls, folder: Path, *, create: bool = True) -> Store:
        return cls(folder / STORE_NAME, create=create)

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        with faults(self.path, "cannot be written"):
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self._db
            except BaseException:
                if self._db.in_transaction:  # SQLite may have rolled back already (disk full)
                    self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    def _read(self, sql: str, params: Sequence[object] = ()) -> list[Any]:
        """Every row of a query; a fault of the store is a StoreError."""
        with faults(self.path, "cannot be read"):
            return list(self._db.execute(sql, params))

    # ------------------------------------------------------------------------------------- meta

    def set_meta(self, **values: Any) -> None:
        with self._transaction() as db:
            db.executemany(
                "INSERT OR REPLACE INTO meta VALUES (?, ?)",
                [(key, json.dumps(value)) for key, value in values.items()],
            )

    def meta(self) -> dict[str, Any]:
        rows = self._read("SELECT key, value FROM meta WHERE key != 'schema_version'")
        with decoding(self.path, "setting"):
            return {expect(key, str): json.loads(value) for key, value in rows}

    # ------------------------------------------------------------------------------ submissions

    def put_class(
        self,
        submissions: Sequence[Submission],
        statics: Sequence[dict[str, StaticResult]],
        *,
        kind: str = "student",
        runs_expected: int | None = None,
        conditions: str = "",
    ) -> None:
        """Merge a batch into the stored class, in one go.

        The batch's submissions are inserted or updated (a stored one keeps its place in the
        list, a new one goes at the end); of each, only the tasks in its static results (the
        tasks this batch graded) are replaced, judged on ``runs_expected`` runs made under
        ``conditions``. Submissions and tasks the batch did not grade stay as they were.
        """
        with self._transaction() as db:
            (last,) = db.execute("SELECT COALESCE(MAX(position), -1) FROM submissions").fetchone()
            for submission, static in zip(submissions, statics, strict=True):
                row = db.execute("SELECT position FROM submissions WHERE id = ?",
                                 (submission.id,)).fetchone()
                if row is None:
                    last += 1
                position = last if row is None else row[0]
                db.execute(
                    "INSERT OR REPLACE INTO submissions (id, position, source, sha256, kind, "
                    "hand_in) VALUES (?, ?, ?, ?, ?, ?)",
                    (submission.id, position, submission.source, submission.sha256, kind,
                     json.dumps(submission.hand_in.to_json())),
                )
                for task, result in static.items():
                    file = submission.files.get(task)
                    db.execute(
                        "INSERT OR REPLACE INTO task_files (submission_id, task, file_sha256, "
                        "static_json, runs_expected, conditions) VALUES (?, ?, ?, ?, ?, ?)",
                        (submission.id, task, file.sha256 if file and file.text is not None
                         else None, json.dumps(static_to_json(result)), runs_expected,
                         conditions),
                    )
                    if file is not None and file.text is not None:  # for the review stage
                        db.execute("INSERT OR IGNORE INTO sources (file_sha256, text) "
                                   "VALUES (?, ?)", (file.sha256, file.text))

    def submissions(self, *, kind: str | None = None) -> list[StoredSubmission]:
        query = "SELECT id, source, sha256, kind, hand_in FROM submissions"
        params: tuple[str, ...] = ()
        if kind is not None:
            query += " WHERE kind = ?"
            params = (kind,)
        rows = self._read(query + " ORDER BY kind DESC, position", params)
        hand_ins: dict[str, HandIn] = {}
        with decoding(self.path, "submission"):
            for row in rows:
                [expect(value, str) for value in row[:4]]
                hand = expect(row[4], str, None)  # NULL: a row from before version 3
                hand_ins[row[0]] = hand_in_from_json(json.loads(hand)) if hand else HandIn()
        tasks: dict[str, dict[str, StoredTask]] = {row[0]: {} for row in rows}
        for sub_id, task, sha, static_json, runs_expected, conditions in self._read(
            "SELECT submission_id, task, file_sha256, static_json, runs_expected, conditions "
            "FROM task_files"
        ):
            if sub_id in tasks:
                with decoding(self.path, f"static result of {sub_id!r} {task!r}"):
                    tasks[sub_id][expect(task, str)] = StoredTask(
                        task, expect(sha, str, None),
                        static_from_json(json.loads(expect(static_json, str))),
                        runs_expected=expect(runs_expected, int, None),
                        conditions=expect(conditions, str, None) or "",
                    )
        return [
            StoredSubmission(id=i, source=s, sha256=h, kind=k, tasks=dict(sorted(tasks[i].items())),
                             hand_in=hand_ins[i])
            for i, s, h, k, _ in rows
        ]

    def put_sources(self, texts: Iterable[tuple[str, str]]) -> None:
        """Keep task files' texts (sha256, text) that no stored submission holds (known
        solutions the review compares with)."""
        with self._transaction() as db:
            db.executemany("INSERT OR IGNORE INTO sources (file_sha256, text) VALUES (?, ?)",
                           list(texts))

    def sources(self) -> dict[str, str]:
        """Every kept task file's text by its sha256 (the review stage reads them)."""
        rows = self._read("SELECT file_sha256, text FROM sources")
        with decoding(self.path, "source"):
            return {expect(sha, str): expect(text, str) for sha, text in rows}

    # ------------------------------------------------------------------------------------- runs

    def put_run(
        self, *, task: str, file_sha256: str, outcome: RunOutcome, conditions: str = ""
    ) -> None:
        """Store one finished run: one transaction, so a kill never leaves half a run behind."""
        if outcome.grader_error:
            raise ValueError("a run the grader failed to make is not an observation: not stored")
        facts = outcome.facts
        figure = facts.figure_png if facts is not None else None
        if facts is not None and figure is not None:  # kept once, as a BLOB
            outcome = replace(outcome, facts=replace(facts, figure_png=None))
        with self._transaction() as db:
            db.execute(
                "INSERT OR REPLACE INTO runs (task, file_sha256, conditions, idx, outcome_json, "
                "figure) VALUES (?, ?, ?, ?, ?, ?)",
                (task, file_sha256, conditions, outcome.index,
                 json.dumps(outcome_to_json(outcome)), figure),
            )

    def run_indexes(self, *, task: str, file_sha256: str, conditions: str = "") -> set[int]:
        """The indexes stored for a task file under ``conditions`` (runs under others: missing)."""
        rows = self._read(
            "SELECT idx FROM runs WHERE task = ? AND file_sha256 = ? AND conditions = ?",
            (task, file_sha256, conditions),
        )
        return {row[0] for row in rows}

    def runs(self, *, task: str, file_sha256: str, conditions: str = "") -> list[RunOutcome]:
        """The outcomes of a task file under ``conditions``, by index (not the analysis run)."""
        rows = self._read(
            "SELECT outcome_json FROM runs WHERE task = ? AND file_sha256 = ? AND conditions = ? "
            "AND idx >= 0 ORDER BY idx",
            (task, file_sha256, conditions),
        )
        with decoding(self.path, f"run of {task} {file_sha256[:12]}"):
            return [outcome_from_json(json.loads(expect(row[0], str))) for row in rows]

    def figure(self, *, task: str, file_sha256: str, conditions: str = "") -> bytes | None:
        rows = self._read(
            "SELECT figure FROM runs WHERE task = ? AND file_sha256 = ? AND conditions = ? "
            "AND idx = ?",
            (task, file_sha256, conditions, ANALYSIS_INDEX),
        )
        with decoding(self.path, f"figure of {task} {file_sha256[:12]}"):
            return None if not rows else expect(rows[0][0], bytes, None)

    def forget_runs(self, keys: Iterable[tuple[str, str]]) -> None:
        """Drop the stored runs of these (task, file_sha256) pairs, whatever their conditions
        (``--fresh``)."""
        with self._transaction() as db:
            db.executemany("DELETE FROM runs WHERE task = ? AND file_sha256 = ?", list(keys))
