"""The facts record: what the harness saw, bounded, rewritten to the parent's fd on every change.

The document's shape, version and bounds are ``protocol``'s, which the parent's ``decode_facts``
(``grader/harness/__init__.py``) reads with too.
"""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Iterator

from .protocol import (
    FACT_LISTS,
    FACTS_VERSION,
    MAX_ENTRIES,
    MAX_LAYERS,
    MAX_MODELS,
    NOTES,
    Document,
    ModelEntry,
    clip,
)

STATE_NAMES = (*FACT_LISTS, NOTES)


class Facts:
    """The facts seen so far, rewritten to the parent's fd on every change (pwrite, then truncate).

    Lists are bounded and deduplicated. A forked child shares the fd, so only the process that
    created this object writes.
    """

    def __init__(self, fd: int) -> None:
        self.fd = fd
        self.pid = os.getpid()
        self.lists: dict[str, list[str]] = {name: [] for name in STATE_NAMES}
        self.models: dict[int, ModelEntry] = {}
        self.matched_test_rows: set[bytes] = set()
        self.count_params_at_print: int | None = None
        self.finished = False
        self.evaluation_reached = False
        self.split_applied = False
        self.fingerprints: dict[str, str] = {}
        self.weights_changed: bool | None = None
        self.layer_changes: list[list[object]] = []

    def add(self, kind: str, entry: object) -> None:
        entries = self.lists[kind]
        text = clip(entry)
        if text not in entries and len(entries) < MAX_ENTRIES:
            entries.append(text)
            self.write()

    def set_model(self, key: int, name: str, layers: list[str], params: int | None) -> None:
        old = self.models.get(key)
        new = ModelEntry(name=clip(name), layers=[clip(n) for n in layers[:MAX_LAYERS]],
                         params=params if params is not None else old["params"] if old else 0)
        if new != old and (old is not None or len(self.models) < MAX_MODELS):
            self.models[key] = new
            self.write()

    @contextlib.contextmanager
    def guarded(self, what: str) -> Iterator[None]:
        """Runs the harness's own bookkeeping: a failure becomes a note, never the script's."""
        try:
            yield
        except Exception as error:  # noqa: BLE001 - the script's run must not depend on ours
            self.add("notes", f"{what}: {error!r}")

    def document(self) -> Document:
        lists = self.lists
        return Document(
            version=FACTS_VERSION, models=list(self.models.values()),
            training_calls=lists["training_calls"], weights_loaded=lists["weights_loaded"],
            seed_calls=lists["seed_calls"], files_opened=lists["files_opened"],
            sockets=lists["sockets"], subprocesses=lists["subprocesses"], notes=lists[NOTES],
            test_rows_in_training=len(self.matched_test_rows),
            count_params_at_print=self.count_params_at_print, finished=self.finished,
            weights_set=lists["weights_set"], late_training=lists["late_training"],
            evaluation_reached=self.evaluation_reached, split_applied=self.split_applied,
            fingerprints=self.fingerprints, weights_changed=self.weights_changed,
            layer_changes=self.layer_changes[:MAX_LAYERS],
        )

    def write(self) -> None:
        if self.fd < 0 or os.getpid() != self.pid:
            return
        data = json.dumps(self.document(), separators=(",", ":")).encode()
        try:
            os.pwrite(self.fd, data, 0)
            os.ftruncate(self.fd, len(data))
        except OSError:
            pass  # the script closed or replaced the fd; the parent sees what was written last

    def close(self) -> None:
        self.finished = True
        self.write()
        if self.fd >= 0 and os.getpid() == self.pid:
            with contextlib.suppress(OSError):
                os.close(self.fd)
        self.fd = -1
