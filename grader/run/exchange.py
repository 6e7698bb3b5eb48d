"""The grader's side of the checkpoint: the model leaves the student's process before the test
rows enter it.

During training the run's copy of the dataset holds decoys where its test rows are
(``grader.run.trust.decoy_dataset``), so the script's ``test_x`` and ``test_y`` are noise that
no hook needs to guard. When the provided evaluation starts, the harness and this thread speak
over a socket pair, each message frozen once it is read:

1. the child sends the model (Keras's format; a header line and the bytes, as
   ``grader.harness.decode_delivery`` reads them);
2. only then does the grader send the real test images (a header line, then one byte per pixel);
3. the child sends the script's ``transform`` of them (and the harness's in-process predictions
   for a model that cannot leave);
4. only then does the grader send the test labels, which the harness binds, with the images, to
   the script's test-set names for the provided evaluation to print and plot.

So the model the grader scores was fixed before the process held a single real test image, and
the inputs before it held a label. Every read is bounded in size and time; a child that breaks the
protocol or dies mid-way leaves a partial delivery (``grader.run.trust.measure`` decides what it
is worth), never a hung grader.
"""

from __future__ import annotations

import contextlib
import json
import socket
import threading
from collections.abc import Sequence

from grader.harness import Delivery, decode_delivery
from grader.harness.child.protocol import MAX_HEADER_BYTES, MAX_INPUTS_BYTES, MAX_MODEL_BYTES

POLL_S = 0.2  # how often a blocked read or write looks whether the run has ended


class ExchangeClosed(Exception):
    """The run ended, the child closed its end, or it broke the protocol."""


class Exchange:
    """One run's checkpoint exchange on ``sock`` (the grader's end), in a thread of its own.

    ``images`` are the real test rows' pixels (one byte, 0 or 1, per pixel, ``rows`` rows);
    ``labels`` their labels. ``finish`` (after the run ended) stops it and returns what the
    child delivered, or None when it delivered nothing.
    """

    def __init__(self, *, sock: socket.socket, images: bytes, rows: int,
                 labels: Sequence[int]) -> None:
        self.sock = sock
        self.images = images
        self.rows = rows
        self.labels = [int(label) for label in labels]
        self.model: Delivery | None = None
        self.inputs: Delivery | None = None
        self.ended = threading.Event()
        self.buffer = bytearray()
        self.thread = threading.Thread(target=self._serve, name="checkpoint-exchange",
                                       daemon=True)
        sock.settimeout(POLL_S)

    def start(self) -> None:
        self.thread.start()

    def finish(self) -> Delivery | None:
        """Stops the exchange (the run has ended) and composes the delivery."""
        self.ended.set()
        if self.thread.ident is not None:  # started
            self.thread.join()
        with contextlib.suppress(OSError):
            self.sock.close()
        if self.model is None:
            return None
        second = self.inputs
        notes = [n for n in (self.model.note, second.note if second else "") if n]
        return Delivery(model=self.model.model,
                        inputs=second.inputs if second is not None else None,
                        predictions=second.predictions if second is not None else None,
                        params=second.params if second is not None else None,
                        note="; ".join(notes))

    def _serve(self) -> None:
        try:
            self.model = self._receive(MAX_MODEL_BYTES)
            if self.model is None:
                return
            header = {"rows": self.rows, "pixels": len(self.images) // max(self.rows, 1)}
            self._send(json.dumps(header).encode() + b"\n" + self.images)
            self.inputs = self._receive(MAX_INPUTS_BYTES)
            if self.inputs is None:
                return
            self._send(json.dumps({"labels": self.labels}).encode() + b"\n")
        except (ExchangeClosed, OSError):
            return

    def _receive(self, limit: int) -> Delivery | None:
        """One message: a header line announcing its blobs' sizes, then the blobs."""
        header = self._line()
        try:
            sizes = json.loads(header).get("sizes")
        except (ValueError, AttributeError, RecursionError):
            return None
        if not isinstance(sizes, list) or len(sizes) > 1 or not all(
                isinstance(s, int) and not isinstance(s, bool) and 0 <= s <= limit
                for s in sizes):
            return None
        body = self._exactly(sum(sizes))
        return decode_delivery(header + b"\n" + body)

    def _line(self) -> bytes:
        while b"\n" not in self.buffer:
            if len(self.buffer) > MAX_HEADER_BYTES:
                raise ExchangeClosed("a header line too long")
            self.buffer += self._chunk()
        line, _, rest = bytes(self.buffer).partition(b"\n")
        self.buffer = bytearray(rest)
        return line

    def _exactly(self, count: int) -> bytes:
        while len(self.buffer) < count:
            self.buffer += self._chunk()
        data = bytes(self.buffer[:count])
        del self.buffer[:count]
        return data

    def _chunk(self) -> bytes:
        while True:
            if self.ended.is_set():
                raise ExchangeClosed("the run ended")
            try:
                data = self.sock.recv(1 << 20)
            except TimeoutError:
                continue
            if not data:
                raise ExchangeClosed("the child closed its end")
            return data

    def _send(self, data: bytes) -> None:
        view = memoryview(data)
        while view:
            if self.ended.is_set():
                raise ExchangeClosed("the run ended")
            try:
                sent = self.sock.send(view)
            except TimeoutError:
                continue
            view = view[sent:]


__all__ = ["Exchange"]
