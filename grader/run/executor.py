"""Running student scripts: one sandboxed run (``run_one``) and executors that run many.

``run_one`` owns a run from start to finish: a fresh work folder with the script and a read-only
copy of the dataset, the harness command wrapped by the isolation, limits applied in the child,
stdout and stderr read concurrently into bounded tails, a hard wall-clock kill, and at the end the
whole process tree killed and the work folder removed. It never raises for anything the student's
code does: every ending is a ``RunOutcome`` whose ``status`` and ``note`` say what happened.

Executors run many specs: ``LocalExecutor`` in threads of this process, each run pinned to its own
cores; ``DaskExecutor`` on a dask.distributed cluster, one run per worker ``CPU`` resource. When
the grader itself fails to make a run (an exception in this process or on a worker), the executor
yields a ``RunOutcome`` with ``grader_error`` set instead of raising: the batch goes on, the
outcome is not stored, and the next batch makes that run again.
"""

from __future__ import annotations

import atexit
import dataclasses
import hashlib
import logging
import os
import shutil
import sys
import tempfile
import threading
import uuid
from collections.abc import Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from contextlib import suppress
from pathlib import Path
from types import TracebackType
from typing import Any, Protocol, Self

from grader import harness
from grader.sandbox.supervise import Running, supervise
from grader.run.machine import usable_core_ids
from grader.records import RunOutcome, RunSpec, RunStatus
from grader.sandbox.isolation import Isolation, detect_isolation, scrubbed_env

log = logging.getLogger(__name__)

FIGURE_NAME = ".grader-figure.png"
MAX_FIGURE_BYTES = 8 * 1024 * 1024


class Executor(Protocol):
    """Runs specs, yielding each with its outcome as runs complete; ``close`` kills every child.

    ``isolation_kind`` is how the runs will be confined ("bubblewrap", "none", ...): one of the
    run conditions a stored run is fingerprinted with.
    """

    @property
    def isolation_kind(self) -> str: ...

    def run(self, specs: Sequence[RunSpec]) -> Iterator[tuple[RunSpec, RunOutcome]]: ...

    def close(self) -> None: ...


def run_one(
    spec: RunSpec,
    *,
    cores: Sequence[int] | None = None,
    isolation: Isolation | None = None,
    harness_child: bool = True,
    python: str = sys.executable,
    running: Running | None = None,
) -> RunOutcome:
    """Run ``spec`` once in a fresh work folder, sandboxed and limited; see the module doc.

    ``cores`` pins the run (affinity and cpuset); ``isolation`` defaults to the detected one.
    ``harness_child=False`` runs the script bare (``python -I SCRIPT``, no facts): for tests of
    the sandbox itself and for measuring the harness's cost.
    """
    isolation = detect_isolation() if isolation is None else isolation
    workdir = Path(tempfile.mkdtemp(prefix="grader-work-"))
    try:
        dataset = _prepare(spec, workdir)
        isolation.prepare(workdir)
        with tempfile.TemporaryFile(prefix="grader-facts-") as facts_file:
            figure = workdir / FIGURE_NAME if spec.analysis else None
            if harness_child:
                argv = harness.command(
                    python=python, facts_fd=facts_file.fileno(), dataset=dataset.name,
                    test_names=spec.test_names, figure=str(figure) if figure else None,
                    script=spec.script_name,
                )
            else:
                argv = [python, "-I", spec.script_name]
            threads = max(1, spec.threads)  # the spec's, fixed by the assignment
            outcome = supervise(
                spec, argv=isolation.wrap(argv, workdir=workdir), workdir=workdir,
                env=scrubbed_env(workdir=workdir, threads=threads), cores=cores,
                isolation=isolation, pass_fds=(facts_file.fileno(),), running=running,
            )
            facts_file.seek(0)
            facts = harness.decode_facts(facts_file.read(harness.MAX_DOCUMENT_BYTES + 1))
        if facts is not None and figure is not None:
            facts = dataclasses.replace(facts, figure_png=_read_figure(figure))
        return dataclasses.replace(
            outcome, facts=facts, dataset_intact=_sha256(dataset) == spec.dataset_sha256
        )
    finally:
        _remove(workdir)


def _remove(workdir: Path) -> None:
    """Delete the work folder, even folders the run made unreadable (chmod 000) to keep it."""

    def unlock(_function: Any, path: str, _error: Any) -> None:
        with suppress(OSError):
            os.chmod(os.path.dirname(path), 0o700)
            os.chmod(path, 0o700)
        with suppress(OSError):
            if os.path.isdir(path) and not os.path.islink(path):
                shutil.rmtree(path, ignore_errors=True)
            else:
                os.unlink(path)

    shutil.rmtree(workdir, onerror=unlock)
    shutil.rmtree(workdir, ignore_errors=True)


def _prepare(spec: RunSpec, workdir: Path) -> Path:
    """Write the script and copy the dataset into ``workdir``, both read-only; the copy's path."""
    script = workdir / spec.script_name
    script.write_text(spec.script_text, encoding="utf-8")
    dataset = workdir / Path(spec.dataset_path).name
    shutil.copyfile(spec.dataset_path, dataset)
    for path in (script, dataset):
        path.chmod(0o444)
    workdir.chmod(0o755)
    return dataset


def _sha256(path: Path) -> str | None:
    try:
        if not path.is_file() or path.is_symlink():
            return None
        with path.open("rb") as file:
            return hashlib.file_digest(file, "sha256").hexdigest()
    except OSError:
        return None


def _read_figure(path: Path) -> bytes | None:
    try:
        if path.is_symlink() or not path.is_file() or path.stat().st_size > MAX_FIGURE_BYTES:
            return None
        data = path.read_bytes()
    except OSError:
        return None
    return data if data.startswith(b"\x89PNG") else None


# --------------------------------------------------------------------------- executors


def grader_error(spec: RunSpec, error: BaseException) -> RunOutcome:
    """The outcome of a run the grader failed to make: never stored, so it is made again."""
    return RunOutcome(
        index=spec.index, status=RunStatus.FAILED, exit_code=None, wall_s=0.0, cpu_s=0.0,
        max_rss_mb=0.0, stdout="", stderr="", facts=None,
        note=f"grader error: {type(error).__name__}: {error}"[:500], grader_error=True,
    )


_FAILED = ("%s %s run %d: the grader failed to make the run; it is not stored and the next "
           "batch makes it again")


def core_sets(
    jobs: int, cores: Sequence[int] | None = None, *, size: int | None = None
) -> list[tuple[int, ...]]:
    """The usable cores in ``jobs`` disjoint sets, shared only when there are too few.

    With ``size`` (the threads per run) each set has that many cores, whatever ``jobs`` is, so
    that a run's conditions do not depend on how many go in parallel; without it the cores are
    split evenly.
    """
    available = sorted(cores if cores is not None else usable_core_ids())
    jobs = max(1, jobs)
    size = max(1, len(available) // jobs) if size is None else size
    size = max(1, min(size, len(available)))
    if jobs * size <= len(available):
        return [tuple(available[i * size:(i + 1) * size]) for i in range(jobs)]
    count = len(available)
    return [tuple(available[(i * size + k) % count] for k in range(size)) for i in range(jobs)]


class LocalExecutor:
    """Up to ``jobs`` runs at once in threads of this process, each pinned to its own cores.

    With ``threads`` (per run) each run gets that many cores; without, the cores are split.
    """

    def __init__(self, *, jobs: int, threads: int | None = None,
                 isolation: Isolation | None = None, harness_child: bool = True) -> None:
        self.jobs = max(1, jobs)
        self._isolation = isolation
        self._harness_child = harness_child
        self._running = Running()
        self._free = list(core_sets(self.jobs, size=threads))
        self._free_lock = threading.Lock()
        self._pool = ThreadPoolExecutor(max_workers=self.jobs, thread_name_prefix="grader-run")

    def run(self, specs: Sequence[RunSpec]) -> Iterator[tuple[RunSpec, RunOutcome]]:
        isolation = detect_isolation() if self._isolation is None else self._isolation
        pending: dict[Future[RunOutcome], RunSpec] = {}
        queue = list(reversed(specs))
        while queue or pending:
            while queue and len(pending) < self.jobs and not self._running.closed:
                spec = queue.pop()
                pending[self._pool.submit(self._one, spec, isolation)] = spec
            if not pending:
                return
            done, _ = wait(pending, return_when=FIRST_COMPLETED)
            for future in done:
                spec = pending.pop(future)
                try:
                    outcome = future.result()
                except Exception as error:  # the grader's own failure: this run only
                    log.exception(_FAILED, spec.submission_id, spec.task, spec.index)
                    outcome = grader_error(spec, error)
                yield spec, outcome

    @property
    def isolation_kind(self) -> str:
        return (detect_isolation() if self._isolation is None else self._isolation).kind

    def _one(self, spec: RunSpec, isolation: Isolation) -> RunOutcome:
        with self._free_lock:
            cores = self._free.pop()
        try:
            return run_one(spec, cores=cores, isolation=isolation,
                           harness_child=self._harness_child, running=self._running)
        finally:
            with self._free_lock:
                self._free.append(cores)

    def close(self) -> None:
        """Kill every running child and start no more runs."""
        self._running.kill_all()
        self._pool.shutdown(wait=True, cancel_futures=True)

    def __enter__(self) -> Self:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        self.close()


#: on a Dask worker: the runs in progress of each executor (by its token), for ``close``
_WORKER_RUNS: dict[str, Running] = {}
#: on a Dask worker: the worker's own copy of each dataset it was sent (by sha256)
_WORKER_DATASETS: dict[str, Path] = {}
_WORKER_LOCK = threading.Lock()


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
    return run_one(spec, harness_child=harness_child, running=running)


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
                log.exception(_FAILED, spec.submission_id, spec.task, spec.index)
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


__all__ = ["DaskExecutor", "Executor", "LocalExecutor", "core_sets", "grader_error", "run_one"]
