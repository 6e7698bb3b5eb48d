"""The facts record: what the harness saw, bounded, rewritten to the parent's fd on every change.

The parent's ``decode_facts`` (``grader/harness/__init__.py``) reads this document; its
``FACTS_VERSION`` and bounds must match the ones here.
"""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Iterator
from typing import Any

FACTS_VERSION = 1
MAX_ENTRIES = 64  # per list of facts
MAX_TEXT = 300  # characters per entry
MAX_MODELS = 16
MAX_LAYERS = 256
STATE_NAMES = ("training_calls", "weights_loaded", "seed_calls", "files_opened", "sockets",
               "subprocesses", "notes")


def clip(text: object) -> str:
    """``text`` as a string of at most ``MAX_TEXT`` characters."""
    value = str(text)
    return value if len(value) <= MAX_TEXT else value[: MAX_TEXT - 3] + "..."


class Facts:
    """The facts seen so far, rewritten to the parent's fd on every change (pwrite, then truncate).

    Lists are bounded and deduplicated. A forked child shares the fd, so only the process that
    created this object writes.
    """

    def __init__(self, fd: int) -> None:
        self.fd = fd
        self.pid = os.getpid()
        self.lists: dict[str, list[str]] = {name: [] for name in STATE_NAMES}
        self.models: dict[int, dict[str, Any]] = {}
        self.matched_test_rows: set[bytes] = set()
        self.count_params_at_print: int | None = None
        self.finished = False

    def add(self, kind: str, entry: object) -> None:
        entries = self.lists[kind]
        text = clip(entry)
        if text not in entries and len(entries) < MAX_ENTRIES:
            entries.append(text)
            self.write()

    def set_model(self, key: int, name: str, layers: list[str], params: int | None) -> None:
        old = self.models.get(key)
        new = {"name": clip(name), "layers": [clip(n) for n in layers[:MAX_LAYERS]],
               "params": params if params is not None else (old or {}).get("params", 0)}
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

    def document(self) -> dict[str, Any]:
        doc: dict[str, Any] = {"version": FACTS_VERSION, "models": list(self.models.values())}
        doc.update(self.lists)
        doc["test_rows_in_training"] = len(self.matched_test_rows)
        doc["count_params_at_print"] = self.count_params_at_print
        doc["finished"] = self.finished
        return doc

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
            try:
                os.close(self.fd)
            except OSError:
                pass
        self.fd = -1
