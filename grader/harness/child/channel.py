"""The child's end of the checkpoint exchange (``grader/run/exchange.py`` is the grader's): a
socket inherited as a file descriptor, spoken to in header lines of JSON and raw bytes.

Standard library only; blocking reads, bounded: the grader answers at once, and a grader that
does not leaves the run to its wall-clock limit.
"""

from __future__ import annotations

import contextlib
import json
import os
from typing import Any

from .protocol import DELIVERY_VERSION, MAX_HEADER_BYTES

MAX_ROWS_BYTES = 64 << 20  # the test images: one byte a pixel


class ChannelClosed(Exception):
    """The grader closed its end, or sent what the protocol does not allow."""


class Channel:
    """Messages to and from the grader on ``fd`` (closed by ``close``)."""

    def __init__(self, fd: int) -> None:
        self.fd = fd
        self.buffer = b""

    def send(self, header: dict[str, Any], blobs: list[bytes]) -> None:
        """A message: the header line (with the blobs' sizes), then the blobs."""
        if self.fd < 0:
            raise ChannelClosed("no channel")
        header = {"version": DELIVERY_VERSION, **header, "sizes": [len(b) for b in blobs]}
        data = json.dumps(header, separators=(",", ":")).encode() + b"\n" + b"".join(blobs)
        view = memoryview(data)
        while view:
            view = view[os.write(self.fd, view):]

    def receive(self) -> tuple[dict[str, Any], bytes]:
        """The grader's next message: its header and, for test rows, the bytes it announces."""
        while b"\n" not in self.buffer:
            if len(self.buffer) > MAX_HEADER_BYTES:
                raise ChannelClosed("a header line too long")
            self.buffer += self._read()
        line, _, self.buffer = self.buffer.partition(b"\n")
        header = json.loads(line)
        if not isinstance(header, dict):
            raise ChannelClosed("a header that is not an object")
        size = int(header.get("rows", 0)) * int(header.get("pixels", 0))
        if not 0 <= size <= MAX_ROWS_BYTES:
            raise ChannelClosed("more test rows than the protocol allows")
        while len(self.buffer) < size:
            self.buffer += self._read()
        body, self.buffer = self.buffer[:size], self.buffer[size:]
        return header, body

    def _read(self) -> bytes:
        if self.fd < 0:
            raise ChannelClosed("no channel")
        data = os.read(self.fd, 1 << 20)
        if not data:
            raise ChannelClosed("the grader closed its end")
        return data

    def close(self) -> None:
        if self.fd >= 0:
            with contextlib.suppress(OSError):
                os.close(self.fd)
        self.fd = -1
