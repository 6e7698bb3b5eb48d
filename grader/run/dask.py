"""The Dask executor: runs on a dask.distributed cluster, and the state it keeps on each worker.

The worker side (``_run_on_worker`` and friends) is what the cluster imports and calls: the
dataset written once per worker from the bytes the grader sent, and the runs in progress of each
executor, so that ``close`` can kill them. ``dask.distributed`` is imported only when an executor
is made: it costs a second and only ``--scheduler`` needs it.
"""

from __future__ import annotations

import atexit
import dataclasses
import logging
import shutil
import tempfile
import threading
import uuid
from collections.abc import Iterator, Sequence
from contextlib import suppress
from pathlib import Path
from types import TracebackType
from typing import Any, Self

from grader.records import RunOutcome, RunSpec
from grader.run.evaluator import TrustedEvaluator
from grader.run.one import FAILED_LOG, grader_error, run_one
from grader.sandbox.detect import detect_isolation
from grader.sandbox.supervise import Running

log = logging.getLogger(__name__)


#: on a Dask worker: the runs in progress of each executor (by its token), for ``close``
_WORKER_RUNS: dict[str, Running] = {}
#: on a Dask worker: the worker's own copy of each dataset it was sent (by sha256)
_WORKER_DATASETS: dict[str, Path] = {}
_WORKER_LOCK = threading.Lock()
#: on a Dask worker: its trusted evaluator, started on first use (TensorFlow imported once)
_WORKER_EVALUATOR: list[TrustedEvaluator] = []


def _worker_dataset(name: str, sha256: str, data: bytes) -> Path:
    """The dataset as a file on this worker, written once (the grader's path may not exist here)."""
    with _WORKER_LOCK:
        path = _WORKER_DATASETS.get(sha256)
        if path is not None and path.is_file():
            return path
        folder = Path(tempfile.mkdtemp(prefix="grader-dataset-"))
        atexit.register(shutil.rmtree, folder, True)
        path = folder / name
        path.write_bytes(data)
        path.chmod(0o444)
        _WORKER_DATASETS[sha256] = path
        return path


def _run_on_worker(spec: RunSpec, harness_child: bool, token: str,
                   dataset: bytes | None = None) -> RunOutcome:
    """What a Dask worker runs: one run with the worker's isolation and the spec's threads.

    ``dataset`` is the dataset's content, sent once to every worker, so that the worker does not
    need the grader's file system.
    """
    if dataset is not None:
        local = _worker_dataset(Path(spec.dataset_path).name, spec.dataset_sha256, dataset)
        spec = dataclasses.replace(spec, dataset_path=str(local))
    with _WORKER_LOCK:
        running = _WORKER_RUNS.setdefault(token, Running())
        if not _WORKER_EVALUATOR:  # sandboxed as this worker's runs are, with their memory
            _WORKER_EVALUATOR.append(TrustedEvaluator(
                isolation=detect_isolation(), threads=max(1, spec.threads),
                memory_mb=spec.memory_mb))
            atexit.register(_WORKER_EVALUATOR[0].close)
    return run_one(spec, harness_child=harness_child, running=running,
                   isolation=detect_isolation(), evaluator=_WORKER_EVALUATOR[0])


def _worker_isolation() -> str:
    return detect_isolation().kind


def _stop_on_worker(token: str) -> int:
    """Kill the runs of one executor on this worker; how many were running."""
    with _WORKER_LOCK:
        running = _WORKER_RUNS.pop(token, None)
        _WORKER_RUNS[token] = Running()
        _WORKER_RUNS[token].closed = True  # a run arriving late does not start either
    if running is None:
        return 0
    count = len(running)
    running.kill_all()
    return count


class DaskExecutor:
    """Runs on a dask.distributed scheduler, one per worker ``CPU`` resource.

    Start workers with ``dask worker ADDRESS --resources CPU=1 --nthreads 1`` (pinned with
    ``taskset`` if several share a machine): each gets one run at a time. Specs are pure data and
    ``run_one`` is importable on the workers, which need the grader installed (the same version
    and Python). The dataset is read here and sent to the workers once; they need nothing of
    the grader's file system.

    Raises ``OSError`` or ``ValueError`` when the scheduler cannot be reached.
    """

    def __init__(self, *, address: str, harness_child: bool = True, **client_options: Any) -> None:
        from dask.distributed import Client

        self._client = Client(address, **client_options)  # type: ignore[no-untyped-call]
        self._harness_child = harness_child
        self._token = uuid.uuid4().hex
        self._closed = False
        self._futures: list[Any] = []
        self._datasets: dict[str, Any] = {}  # dataset path -> its content, scattered once
        self._isolation: str | None = None

    @property
    def isolation_kind(self) -> str:
        """The workers' isolation: one kind, "mixed" when they differ, "unknown" with none yet."""
        if self._isolation is None:
            kinds = set(self._client.run(_worker_isolation).values())
            self._isolation = kinds.pop() if len(kinds) == 1 else "mixed" if kinds else "unknown"
        return self._isolation

    def _dataset(self, path: str) -> Any:
        if path not in self._datasets:
            data = Path(path).read_bytes()
            self._datasets[path] = self._client.scatter(  # type: ignore[no-untyped-call]
                data, broadcast=True)
        return self._datasets[path]

    def run(self, specs: Sequence[RunSpec]) -> Iterator[tuple[RunSpec, RunOutcome]]:
        from dask.distributed import as_completed

        by_future: dict[Any, RunSpec] = {}
        for spec in specs:
            future = self._client.submit(
                _run_on_worker, spec, self._harness_child, self._token,
                self._dataset(spec.dataset_path), resources={"CPU": 1},
                key=f"run-{spec.submission_id}-{spec.task}-{spec.index}-{uuid.uuid4().hex[:8]}",
            )
            by_future[future] = spec
        self._futures.extend(by_future)
        for future in as_completed(list(by_future)):  # type: ignore[no-untyped-call]
            if self._closed or future.cancelled():
                return  # close() was called: the runs were cancelled or killed
            spec = by_future[future]
            try:
                outcome = future.result()
            except Exception as error:  # the run failed on the worker, not the student's code
                log.exception(FAILED_LOG, spec.submission_id, spec.task, spec.index)
                outcome = grader_error(spec, error)
            yield spec, outcome

    def close(self) -> None:
        """Cancel the runs not yet started, kill the running ones on every worker, disconnect.

        Cancelling a Dask future does not stop a task already running, so the workers are also
        told to kill this executor's children (and to start no more of its runs).
        """
        self._closed = True
        for future in self._futures:
            future.cancel()
        with suppress(Exception):  # a worker or the scheduler may already be gone
            self._client.run(_stop_on_worker, self._token)
        self._client.close()  # type: ignore[no-untyped-call]

    def __enter__(self) -> Self:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        self.close()


__all__ = ["DaskExecutor"]
