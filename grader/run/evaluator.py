"""The client of the trusted evaluator (``grader/harness/child/evaluate.py``): one long-lived
process per executor or Dask worker, started on first use, so that TensorFlow is imported once,
not per run.

The evaluator loads models the students' runs wrote, so it runs confined like a run
(``grader.sandbox.service``): under the executor's isolation, in a work folder of its own, with
a memory limit. With ``--no-isolation`` (isolation "none") it runs unconfined, as the runs do.
The model and the inputs go over the pipe (a JSON header line with the sizes, then the bytes;
see the server's doc): nothing the grader writes to its disk would be visible in the sandbox.

``evaluate`` never raises: an evaluator that does not answer in time, or ends (a model that blew
its memory limit), is killed and the request answers ``{"ok": False, "why": ...}``; the next
request starts a fresh one. Requests are serialised (one model at a time): evaluating takes
about a second.

What the sandbox does not give: a model that got code past ``safe_mode`` can answer for itself,
and, the process being long-lived, for the models after it on the same evaluator. It reaches
nothing else of the grader's.
"""

from __future__ import annotations

import json
import sys
import threading
from collections.abc import Sequence
from typing import Any

from grader.harness import CHILD_DIR
from grader.harness.child.protocol import MAX_HEADER_BYTES, MAX_INPUTS_BYTES, MAX_MODEL_BYTES
from grader.sandbox.detect import detect_isolation
from grader.sandbox.isolation import Isolation
from grader.sandbox.service import Service, ServiceLimits, start_service

TIMEOUT_S = 300.0  # loading TensorFlow on a busy machine, then one evaluation
SERVER = CHILD_DIR / "evaluate.py"
MAX_ANSWER_BYTES = 1 << 16
MEMORY_MB = 4096  # the assignment's usual per-run limit; executors pass the spec's


def encode_request(*, model: bytes, inputs: bytes, labels: Sequence[int],
                   required: Sequence[str]) -> bytes:
    """A request as the server reads it; ``ValueError`` for blobs past the protocol's bounds."""
    if len(model) > MAX_MODEL_BYTES or len(inputs) > MAX_INPUTS_BYTES:
        raise ValueError("the model or its inputs are larger than the evaluator accepts")
    header = json.dumps({"model": len(model), "inputs": len(inputs),
                         "labels": [int(label) for label in labels],
                         "required": sorted(required)}).encode() + b"\n"
    if len(header) > MAX_HEADER_BYTES:
        raise ValueError("too many test rows for one request")
    return header + model + inputs


class TrustedEvaluator:
    """A sandboxed process that evaluates models; ``close`` ends it.

    ``isolation`` must be the one the executor's runs use (the executors pass theirs); None is
    what ``run_one`` uses by default, the detected one. "none" runs the evaluator unconfined too.
    """

    def __init__(self, *, isolation: Isolation | None = None, python: str = sys.executable,
                 threads: int = 1, memory_mb: int = MEMORY_MB,
                 timeout_s: float = TIMEOUT_S) -> None:
        self.isolation = detect_isolation() if isolation is None else isolation
        self.timeout_s = timeout_s
        self.python = python
        self.limits = ServiceLimits(memory_mb=memory_mb, threads=max(1, threads))
        self._lock = threading.Lock()
        self._service: Service | None = None

    def command(self) -> list[str]:
        """The server's argv, as the sandbox runs it (only the harness folder is bound)."""
        return [self.python, "-I", str(SERVER), "--threads", str(self.limits.threads)]

    def evaluate(self, *, model: bytes, inputs: bytes, labels: Sequence[int],
                 required: Sequence[str]) -> dict[str, Any]:
        """The evaluator's answer: ``ok``, ``error_pct``, ``params``, ``required_works`` or
        ``why``. Never raises: a dead or silent evaluator is ``{"ok": False, "why": ...}``."""
        try:
            request = encode_request(model=model, inputs=inputs, labels=labels,
                                     required=required)
        except ValueError as error:
            return {"ok": False, "why": str(error)}
        with self._lock:
            try:
                service = self._start()
            except OSError as error:
                return {"ok": False, "why": f"the evaluator failed: {error}"}
            answer = _exchange(service, request, timeout_s=self.timeout_s)
            if isinstance(answer, str):
                self._stop()
                return {"ok": False, "why": f"the evaluator {answer} (its memory limit is "
                        f"{self.limits.memory_mb} MB); a fresh one takes the next model"}
            return answer

    def warm(self) -> None:
        """Start the process now (TensorFlow's import), not at the first request."""
        with self._lock:
            self._start()

    @property
    def pid(self) -> int | None:
        """The pid of the layer's outermost process (bwrap, unshare or the server), if running."""
        service = self._service
        return service.process.pid if service is not None and service.alive() else None

    def _start(self) -> Service:
        if self._service is not None and self._service.alive():
            return self._service
        self._stop()
        service = start_service(self.command(), isolation=self.isolation, limits=self.limits)
        self._service = service
        ready = _exchange(service, b"", timeout_s=self.timeout_s)
        if isinstance(ready, str):
            built = service.sandbox_built() or not self.isolation.isolated
            self._stop()
            raise OSError(f"the trusted evaluator {ready} at its start" if built else
                          f"the {self.isolation.kind} sandbox of the evaluator was not built")
        return service

    def _stop(self) -> None:
        if self._service is not None:
            self._service.stop()
            self._service = None

    def close(self) -> None:
        with self._lock:
            self._stop()


def _exchange(service: Service, request: bytes, *, timeout_s: float) -> dict[str, Any] | str:
    """Write ``request`` (if any) and read one answer line within ``timeout_s``: the answer, or
    why there is none, in words.

    Both in a helper thread: a server that stops reading would block the write as surely as
    one that never answers blocks the read; the caller then kills it, which frees the thread.
    """
    box: list[bytes] = []
    process = service.process
    assert process.stdin is not None and process.stdout is not None
    stdin, stdout = process.stdin, process.stdout

    def talk() -> None:
        try:
            if request:
                stdin.write(request)
                stdin.flush()
            box.append(stdout.readline(MAX_ANSWER_BYTES))
        except (OSError, ValueError):  # the server ended or was stopped
            box.append(b"")

    thread = threading.Thread(target=talk, name="grader-evaluator-exchange", daemon=True)
    thread.start()
    thread.join(timeout_s)
    if not box:
        return "did not answer in time"
    if not box[0]:
        return "ended without an answer"
    try:
        answer = json.loads(box[0]) if box[0].endswith(b"\n") else None
    except ValueError:
        answer = None
    return answer if isinstance(answer, dict) else "answered outside the protocol"


__all__ = ["MEMORY_MB", "TrustedEvaluator", "encode_request"]
