"""The SQLite store: what was observed, written as it arrives, so an interrupted batch resumes.

One file, ``grader.sqlite``, in the output folder. Runs are keyed by (task, sha256 of the task file
as handed in, run index), so an unchanged file is never run again, even under another student id
or in another batch written to the same folder. Each run is one transaction (WAL journal), so
killing the grader, even with SIGKILL, loses at most the runs that were still going.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Self

from grader.codec import outcome_from_json, outcome_to_json, static_from_json, static_to_json
from grader.records import RunOutcome, StaticResult, Submission

STORE_NAME = "grader.sqlite"
SCHEMA_VERSION = 1
ANALYSIS_INDEX = -1  # the run index of the extra run that draws the sensitivity analysis

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS submissions (
    id TEXT PRIMARY KEY, position INTEGER NOT NULL, source TEXT NOT NULL, sha256 TEXT NOT NULL,
    kind TEXT NOT NULL DEFAULT 'student'
);
CREATE TABLE IF NOT EXISTS task_files (
    submission_id TEXT NOT NULL, task TEXT NOT NULL, file_sha256 TEXT, static_json TEXT NOT NULL,
    PRIMARY KEY (submission_id, task)
);
CREATE TABLE IF NOT EXISTS runs (
    task TEXT NOT NULL, file_sha256 TEXT NOT NULL, idx INTEGER NOT NULL,
    outcome_json TEXT NOT NULL, figure BLOB, finished_at TEXT NOT NULL DEFAULT (datetime('now')),
    PRIMARY KEY (task, file_sha256, idx)
);
"""


@dataclass(frozen=True)
class StoredTask:
    """One task of one stored submission: its static result and the hash its runs are keyed by."""

    task: str
    file_sha256: str | None  # None when the file is missing or unreadable
    static: StaticResult


@dataclass(frozen=True)
class StoredSubmission:
    id: str
    source: str
    sha256: str
    kind: str  # "student" or "reference"
    tasks: dict[str, StoredTask]


class Store:
    """A thin typed layer over one SQLite file. Not shared between threads: one per thread."""

    def __init__(self, path: Path) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(path, timeout=30, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.executescript(_SCHEMA)
        self._db.execute(
            "INSERT OR IGNORE INTO meta VALUES ('schema_version', ?)", (str(SCHEMA_VERSION),)
        )

    @classmethod
    def in_folder(cls, folder: Path) -> Store:
        return cls(folder / STORE_NAME)

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        self._db.execute("BEGIN IMMEDIATE")
        try:
            yield self._db
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        self._db.execute("COMMIT")

    # ------------------------------------------------------------------------------------- meta

    def set_meta(self, **values: Any) -> None:
        with self._transaction() as db:
            db.executemany(
                "INSERT OR REPLACE INTO meta VALUES (?, ?)",
                [(key, json.dumps(value)) for key, value in values.items()],
            )

    def meta(self) -> dict[str, Any]:
        rows = self._db.execute("SELECT key, value FROM meta WHERE key != 'schema_version'")
        return {key: json.loads(value) for key, value in rows}

    # ------------------------------------------------------------------------------ submissions

    def put_class(
        self,
        submissions: Sequence[Submission],
        statics: Sequence[dict[str, StaticResult]],
        *,
        kind: str = "student",
    ) -> None:
        """Record the class being graded (replacing the previous list of this kind) in one go."""
        with self._transaction() as db:
            old = [r[0] for r in db.execute("SELECT id FROM submissions WHERE kind = ?", (kind,))]
            db.executemany("DELETE FROM task_files WHERE submission_id = ?", [(i,) for i in old])
            db.execute("DELETE FROM submissions WHERE kind = ?", (kind,))
            for position, (submission, static) in enumerate(zip(submissions, statics, strict=True)):
                db.execute(
                    "INSERT OR REPLACE INTO submissions VALUES (?, ?, ?, ?, ?)",
                    (submission.id, position, submission.source, submission.sha256, kind),
                )
                for task, result in static.items():
                    file = submission.files.get(task)
                    db.execute(
                        "INSERT OR REPLACE INTO task_files VALUES (?, ?, ?, ?)",
                        (submission.id, task, file.sha256 if file and file.text is not None
                         else None, json.dumps(static_to_json(result))),
                    )

    def submissions(self, *, kind: str | None = None) -> list[StoredSubmission]:
        query = "SELECT id, source, sha256, kind FROM submissions"
        params: tuple[str, ...] = ()
        if kind is not None:
            query += " WHERE kind = ?"
            params = (kind,)
        rows = list(self._db.execute(query + " ORDER BY kind DESC, position", params))
        tasks: dict[str, dict[str, StoredTask]] = {row[0]: {} for row in rows}
        for sub_id, task, sha, static_json in self._db.execute(
            "SELECT submission_id, task, file_sha256, static_json FROM task_files"
        ):
            if sub_id in tasks:
                tasks[sub_id][task] = StoredTask(task, sha, static_from_json(json.loads(static_json)))
        return [
            StoredSubmission(id=i, source=s, sha256=h, kind=k, tasks=dict(sorted(tasks[i].items())))
            for i, s, h, k in rows
        ]

    # ------------------------------------------------------------------------------------- runs

    def put_run(self, *, task: str, file_sha256: str, outcome: RunOutcome) -> None:
        """Store one finished run: one transaction, so a kill never leaves half a run behind."""
        facts = outcome.facts
        figure = facts.figure_png if facts is not None else None
        if facts is not None and figure is not None:  # kept once, as a BLOB
            outcome = replace(outcome, facts=replace(facts, figure_png=None))
        with self._transaction() as db:
            db.execute(
                "INSERT OR REPLACE INTO runs (task, file_sha256, idx, outcome_json, figure) "
                "VALUES (?, ?, ?, ?, ?)",
                (task, file_sha256, outcome.index, json.dumps(outcome_to_json(outcome)), figure),
            )

    def run_indexes(self, *, task: str, file_sha256: str) -> set[int]:
        rows = self._db.execute(
            "SELECT idx FROM runs WHERE task = ? AND file_sha256 = ?", (task, file_sha256)
        )
        return {row[0] for row in rows}

    def runs(self, *, task: str, file_sha256: str) -> list[RunOutcome]:
        """The stored outcomes of a task file, by run index (the analysis run excluded)."""
        rows = self._db.execute(
            "SELECT outcome_json FROM runs WHERE task = ? AND file_sha256 = ? AND idx >= 0 "
            "ORDER BY idx",
            (task, file_sha256),
        )
        return [outcome_from_json(json.loads(row[0])) for row in rows]

    def figure(self, *, task: str, file_sha256: str) -> bytes | None:
        row = self._db.execute(
            "SELECT figure FROM runs WHERE task = ? AND file_sha256 = ? AND idx = ?",
            (task, file_sha256, ANALYSIS_INDEX),
        ).fetchone()
        return None if row is None else row[0]

    def forget_runs(self, keys: Iterable[tuple[str, str]]) -> None:
        """Drop the stored runs of these (task, file_sha256) pairs (``--fresh``)."""
        with self._transaction() as db:
            db.executemany("DELETE FROM runs WHERE task = ? AND file_sha256 = ?", list(keys))
