"""The local executor: up to ``jobs`` runs at once in threads of this process.

Each run is pinned to cores of its own (``core_sets``), so a run's speed does not depend on how
many go in parallel. A run gives its cores and its slot back as soon as its child has ended, so
the next run starts while the trusted evaluator measures the last one's model (one thread more
than ``jobs`` does that). A run the grader fails to make is yielded as a ``grader_error``.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from types import TracebackType
from typing import Self

from grader.records import RunOutcome, RunSpec
from grader.run.evaluator import MEMORY_MB, TrustedEvaluator
from grader.run.machine import usable_core_ids
from grader.run.one import FAILED_LOG, grader_error, run_one
from grader.sandbox.detect import detect_isolation
from grader.sandbox.isolation import Isolation
from grader.sandbox.supervise import Running

log = logging.getLogger(__name__)


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
        self._slots = threading.Semaphore(self.jobs)  # children running at once
        # one thread more than children: it measures a finished run while the next one runs
        self._pool = ThreadPoolExecutor(max_workers=self.jobs + 1,
                                        thread_name_prefix="grader-run")
        self._threads = threads or 1
        #: one trusted process evaluates every run's model (TensorFlow imported once), made on
        #: the first batch: under the runs' isolation, limited to their memory
        self._evaluator: TrustedEvaluator | None = None

    def run(self, specs: Sequence[RunSpec]) -> Iterator[tuple[RunSpec, RunOutcome]]:
        isolation = detect_isolation() if self._isolation is None else self._isolation
        if self._evaluator is None:
            self._evaluator = TrustedEvaluator(
                isolation=isolation, threads=self._threads,
                memory_mb=max((spec.memory_mb for spec in specs), default=MEMORY_MB))
        pending: dict[Future[RunOutcome | None], RunSpec] = {}
        queue = list(reversed(specs))
        while queue or pending:
            while queue and len(pending) <= self.jobs and not self._running.closed:
                spec = queue.pop()
                pending[self._pool.submit(self._one, spec, isolation, self._evaluator)] = spec
            if not pending:
                return
            done, _ = wait(pending, return_when=FIRST_COMPLETED)
            for future in done:
                spec = pending.pop(future)
                try:
                    outcome = future.result()
                except Exception as error:  # the grader's own failure: this run only
                    log.exception(FAILED_LOG, spec.submission_id, spec.task, spec.index)
                    outcome = grader_error(spec, error)
                if outcome is not None:  # None: closed before it started
                    yield spec, outcome

    @property
    def isolation_kind(self) -> str:
        return (detect_isolation() if self._isolation is None else self._isolation).kind

    def _one(self, spec: RunSpec, isolation: Isolation,
             evaluator: TrustedEvaluator) -> RunOutcome | None:
        """The run's outcome; None when the executor closed before it could start."""
        self._slots.acquire()
        if self._running.closed:
            self._slots.release()
            return None
        with self._free_lock:
            cores = self._free.pop()
        held = True

        def release() -> None:  # once the child has ended, or when the run failed to start
            nonlocal held
            if held:
                held = False
                with self._free_lock:
                    self._free.append(cores)
                self._slots.release()

        try:
            return run_one(spec, cores=cores, isolation=isolation,
                           harness_child=self._harness_child, running=self._running,
                           evaluator=evaluator, child_done=release)
        finally:
            release()

    def close(self) -> None:
        """Kill every running child and start no more runs."""
        self._running.kill_all()
        self._pool.shutdown(wait=True, cancel_futures=True)
        if self._evaluator is not None:
            self._evaluator.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        self.close()


__all__ = ["LocalExecutor", "core_sets"]
