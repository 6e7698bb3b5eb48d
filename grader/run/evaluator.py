"""The client of the trusted evaluator (``grader.run.trusted``): one long-lived process per
executor or Dask worker, started on first use, so that TensorFlow is imported once, not per run.

``TrustedEvaluator.evaluate`` writes the model and the inputs to a private folder, asks, and
returns the answer; a process that does not answer in time is killed and the next request starts
a fresh one. Requests are serialised (one model at a time): evaluating takes about a second.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

TIMEOUT_S = 300.0  # loading TensorFlow on a busy machine, then one evaluation


class TrustedEvaluator:
    """A trusted process that evaluates models; ``close`` ends it."""

    def __init__(self, *, python: str = sys.executable, threads: int = 1) -> None:
        self.python = python
        self.threads = threads
        self._lock = threading.Lock()
        self._process: subprocess.Popen[str] | None = None
        self._folder = Path(tempfile.mkdtemp(prefix="grader-evaluator-"))

    def evaluate(self, *, model: bytes, inputs: bytes, labels: Sequence[int],
                 required: Sequence[str]) -> dict[str, Any]:
        """The evaluator's answer: ``ok``, ``error_pct``, ``params``, ``required_works`` or
        ``why``. Never raises: a dead or silent evaluator is ``{"ok": False, "why": ...}``."""
        with self._lock:
            model_path = self._folder / "model.keras"
            inputs_path = self._folder / "inputs.npy"
            try:
                model_path.write_bytes(model)
                inputs_path.write_bytes(inputs)
                request = {"model": str(model_path), "inputs": str(inputs_path),
                           "labels": [int(label) for label in labels],
                           "required": sorted(required)}
                answer = self._ask(json.dumps(request))
            except OSError as error:
                answer = {"ok": False, "why": f"the evaluator failed: {error}"}
            finally:
                for path in (model_path, inputs_path):
                    path.unlink(missing_ok=True)
        return answer

    def warm(self) -> None:
        """Start the process now (TensorFlow's import), not at the first request."""
        with self._lock:
            self._start()

    def _ask(self, line: str) -> dict[str, Any]:
        process = self._start()
        assert process.stdin is not None
        process.stdin.write(line + "\n")
        process.stdin.flush()
        answer = self._read(process)
        if answer is None:
            self._stop()
            return {"ok": False, "why": "the evaluator did not answer in time"}
        return answer

    def _start(self) -> subprocess.Popen[str]:
        if self._process is not None and self._process.poll() is None:
            return self._process
        env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3", CUDA_VISIBLE_DEVICES="",
                   OMP_NUM_THREADS=str(self.threads))
        self._process = subprocess.Popen(
            [self.python, "-m", "grader.run.trusted", "--threads", str(self.threads)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=env)
        if self._read(self._process) is None:
            self._stop()
            raise OSError("the trusted evaluator did not start")
        return self._process

    @staticmethod
    def _read(process: subprocess.Popen[str]) -> dict[str, Any] | None:
        box: list[str] = []
        assert process.stdout is not None
        reader = threading.Thread(target=lambda: box.append(process.stdout.readline()),  # type: ignore[union-attr]
                                  daemon=True)
        reader.start()
        reader.join(TIMEOUT_S)
        if not box or not box[0]:
            return None
        try:
            answer = json.loads(box[0])
        except ValueError:
            return None
        return answer if isinstance(answer, dict) else None

    def _stop(self) -> None:
        if self._process is not None:
            self._process.kill()
            self._process.wait()
            self._process = None

    def close(self) -> None:
        with self._lock:
            self._stop()
            shutil.rmtree(self._folder, ignore_errors=True)


__all__ = ["TrustedEvaluator"]
