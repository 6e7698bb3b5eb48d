"""Running student scripts: one sandboxed run (``run_one``) and executors that run many.

``run_one`` owns a run from start to finish: a fresh work folder with the script and a read-only
copy of the dataset, the harness command wrapped by the isolation, limits applied in the child,
stdout and stderr read concurrently into bounded tails, a hard wall-clock kill, and at the end the
whole process tree killed and the work folder removed. It never raises for anything the student's
code does: every ending is a ``RunOutcome`` whose ``status`` and ``note`` say what happened.

Executors run many specs: ``LocalExecutor`` in threads of this process, each run pinned to its own
cores; ``DaskExecutor`` on a dask.distributed cluster, one run per worker ``CPU`` resource.
"""

from __future__ import annotations

import dataclasses
import hashlib
import os
import re
import selectors
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from contextlib import suppress
from pathlib import Path
from types import TracebackType
from typing import Any, Protocol, Self

from grader import harness
from grader.machine import usable_cores
from grader.records import RunOutcome, RunSpec, RunStatus
from grader.sandbox import (
    Cgroups,
    ChildLimits,
    Isolation,
    detect_isolation,
    make_cgroups,
    scrubbed_env,
)

FLOOD_FACTOR = 50  # more than this many times output_kb on one stream kills the run
FIGURE_NAME = ".grader-figure.png"
MAX_FIGURE_BYTES = 8 * 1024 * 1024
DRAIN_S = 2.0  # how long output is still read after the tree is killed
READ_CHUNK = 65536
#: how a run that ran out of memory ends, in the last lines of its stderr: Python's MemoryError
#: (numpy's _ArrayMemoryError included), C++ std::bad_alloc (TensorFlow aborts with it),
#: ENOMEM from the OS, TensorFlow's ResourceExhaustedError / "OOM when allocating"
MEMORY_SIGNS = re.compile(
    r"MemoryError|std::bad_alloc|Cannot allocate memory|Unable to allocate|"
    r"ResourceExhaustedError|OOM when allocating|out of memory",
)
MEMORY_TAIL = 4096  # characters of stderr searched for those signs


class Executor(Protocol):
    """Runs specs, yielding each with its outcome as runs complete; ``close`` kills every child."""

    def run(self, specs: Sequence[RunSpec]) -> Iterator[tuple[RunSpec, RunOutcome]]: ...

    def close(self) -> None: ...


# --------------------------------------------------------------------------- one run


class _Running:
    """Kill switches of the runs in progress, so that an executor can stop them all at once."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._kills: dict[int, Callable[[], None]] = {}
        self.closed = False

    def add(self, key: int, kill: Callable[[], None]) -> bool:
        with self._lock:
            if self.closed:
                return False
            self._kills[key] = kill
            return True

    def __len__(self) -> int:
        with self._lock:
            return len(self._kills)

    def discard(self, key: int) -> None:
        with self._lock:
            self._kills.pop(key, None)

    def kill_all(self) -> None:
        with self._lock:
            self.closed = True
            kills = list(self._kills.values())
        for kill in kills:
            kill()


def run_one(
    spec: RunSpec,
    *,
    cores: Sequence[int] | None = None,
    isolation: Isolation | None = None,
    harness_child: bool = True,
    python: str = sys.executable,
    running: _Running | None = None,
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
            threads = spec.threads or (len(cores) if cores else usable_cores())
            outcome = _supervise(
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


def _supervise(
    spec: RunSpec,
    *,
    argv: list[str],
    workdir: Path,
    env: dict[str, str],
    cores: Sequence[int] | None,
    isolation: Isolation,
    pass_fds: tuple[int, ...],
    running: _Running | None,
) -> RunOutcome:
    """Start, watch and end the child; the outcome without facts."""
    groups = make_cgroups(memory_mb=spec.memory_mb, processes=spec.processes, cores=cores)
    drops_uid = isolation.isolated and isolation.uid is not None
    limits = ChildLimits(
        memory_mb=spec.memory_mb, processes=spec.processes if drops_uid else None,
        cores=tuple(cores) if cores else None, cgroup_procs=groups.procs_files,
    )
    base = RunOutcome(index=spec.index, status=RunStatus.FAILED, exit_code=None, wall_s=0.0,
                      cpu_s=0.0, max_rss_mb=0.0, stdout="", stderr="", facts=None,
                      isolated=isolation.isolated)
    started = time.monotonic()
    try:
        process = subprocess.Popen(
            argv, cwd=workdir, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
            # preexec_fn in a threaded parent: the function makes only syscalls on values
            # prepared beforehand (no import, no lock), which is what makes it safe here
            stderr=subprocess.PIPE, pass_fds=pass_fds, preexec_fn=limits.preexec(),  # noqa: PLW1509
            start_new_session=True,
        )
    except BaseException:  # the grader's own setup failed (no interpreter, cgroup, cores)
        groups.remove()
        raise
    why: list[str] = []  # the first reason the parent killed the run
    lock = threading.Lock()
    reaped = False

    def kill(reason: str = "stopped by the grader") -> None:
        # never once the child is reaped: its pid, the process group's id, could be reused
        with lock:
            if reaped:
                return
            if not why:
                why.append(reason)
            _kill_tree(process.pid, groups)

    key = id(process)
    if running is not None and not running.add(key, kill):
        kill()
    limit = spec.output_kb * 1024
    reader = _Reader(process, keep=limit, flood=limit * FLOOD_FACTOR,
                     on_flood=lambda: kill("flood"))
    reader.start()
    timer = threading.Timer(spec.timeout_s, lambda: kill("timeout"))
    timer.daemon = True
    timer.start()
    try:  # wait for the exit without reaping, so the zombie keeps the group's id ours
        os.waitid(os.P_PID, process.pid, os.WEXITED | os.WNOWAIT)
    finally:
        timer.cancel()
        if running is not None:
            running.discard(key)
        with lock:
            _kill_tree(process.pid, groups)  # whatever the run left behind
            _, status, usage = os.wait4(process.pid, 0)
            reaped = True
    wall = time.monotonic() - started
    process.returncode = os.waitstatus_to_exitcode(status)
    reader.finish()
    oom = groups.oom_killed()
    groups.kill_all()
    cpu_s, peak_mb = _usage(usage, groups, isolated=isolation.isolated)
    groups.remove()
    stdout, stderr = reader.text()
    run_status, note = _classify(process.returncode, why[0] if why else "", stderr=stderr, oom=oom,
                                 timeout_s=spec.timeout_s, output_kb=spec.output_kb)
    for name, truncated in (("stdout", reader.truncated[0]), ("stderr", reader.truncated[1])):
        if truncated and run_status is not RunStatus.BAD_OUTPUT:
            note = f"{note}; {name} truncated to its last {spec.output_kb} KB".lstrip("; ")
    return dataclasses.replace(
        base, status=run_status, exit_code=process.returncode, wall_s=round(wall, 3),
        cpu_s=round(cpu_s, 3), max_rss_mb=round(peak_mb, 1), stdout=stdout, stderr=stderr,
        note=note,
    )


def _usage(usage: Any, groups: Cgroups, *, isolated: bool) -> tuple[float, float]:
    """CPU seconds and peak memory (MB) of the run's whole process tree.

    ``wait4``'s rusage covers the tree only when the child reaped its descendants, which the
    wrapper does not do for the grader: under isolation the cgroups' accounts are used instead
    (memory then includes the page cache the run caused, an upper bound).
    """
    cpu = usage.ru_utime + usage.ru_stime
    peak = usage.ru_maxrss / 1024
    group_cpu, group_peak = groups.cpu_s(), groups.peak_memory_mb()
    if group_cpu is not None:
        cpu = max(cpu, group_cpu)
    if isolated and group_peak is not None:
        peak = group_peak
    return cpu, peak


def _kill_tree(pid: int, groups: Cgroups) -> None:
    """SIGKILL the run's process group (and under bwrap its pid namespace) and its cgroups."""
    try:
        os.killpg(pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    groups.kill_all(rounds=3)


def _classify(
    code: int, killed_for: str, *, stderr: str, oom: bool, timeout_s: float, output_kb: int
) -> tuple[RunStatus, str]:
    """The status and a note in words, from how the child ended and why the parent killed it."""
    if killed_for == "flood":
        return RunStatus.BAD_OUTPUT, (f"killed for flooding its output (more than "
                                      f"{FLOOD_FACTOR * output_kb} KB on one stream)")
    if killed_for == "timeout":
        return RunStatus.TIMEOUT, f"killed after {timeout_s:g} s"
    if killed_for:
        return RunStatus.FAILED, killed_for
    if code == 0:
        return RunStatus.OK, ""
    if oom:
        return RunStatus.MEMORY, "killed by the out-of-memory killer (memory cgroup limit)"
    if MEMORY_SIGNS.search(stderr[-MEMORY_TAIL:]):
        return RunStatus.MEMORY, "ran out of memory (an allocation failed under the memory limit)"
    if code < 0:
        return RunStatus.FAILED, f"killed by {signal.Signals(-code).name}"
    return RunStatus.FAILED, f"exited with code {code}"


class _Reader(threading.Thread):
    """Reads stdout and stderr together, keeping a bounded tail of each; flags a flood.

    Memory stays within a few times ``keep`` however much the child writes. Grandchildren may
    hold the pipes open after the child exits: ``finish`` stops reading shortly after the tree is
    killed rather than waiting for an EOF that may never come.
    """

    def __init__(self, process: subprocess.Popen[bytes], *, keep: int, flood: int,
                 on_flood: Callable[[], None]) -> None:
        super().__init__(daemon=True)
        assert process.stdout is not None and process.stderr is not None
        self._streams = (process.stdout, process.stderr)
        self._keep, self._flood, self._on_flood = keep, flood, on_flood
        self._tails = (bytearray(), bytearray())
        self._totals = [0, 0]
        self._stop_at: float | None = None

    @property
    def truncated(self) -> tuple[bool, bool]:
        return self._totals[0] > self._keep, self._totals[1] > self._keep

    def run(self) -> None:
        with selectors.DefaultSelector() as selector:
            for index, stream in enumerate(self._streams):
                selector.register(stream, selectors.EVENT_READ, index)
            flooded = False
            while selector.get_map():
                if self._stop_at is not None and time.monotonic() > self._stop_at:
                    break
                for key, _ in selector.select(timeout=0.1):
                    data = os.read(key.fd, READ_CHUNK)
                    if not data:
                        selector.unregister(key.fileobj)
                        continue
                    index = key.data
                    tail = self._tails[index]
                    tail += data
                    if len(tail) > 2 * self._keep:
                        del tail[: len(tail) - self._keep]
                    self._totals[index] += len(data)
                    if not flooded and self._totals[index] > self._flood:
                        flooded = True
                        self._on_flood()

    def finish(self) -> None:
        self._stop_at = time.monotonic() + DRAIN_S
        self.join()
        for stream in self._streams:
            stream.close()

    def text(self) -> tuple[str, str]:
        return tuple(  # type: ignore[return-value]
            bytes(tail[-self._keep:]).decode("utf-8", errors="replace") for tail in self._tails
        )


# --------------------------------------------------------------------------- executors


def core_sets(jobs: int, cores: Sequence[int] | None = None) -> list[tuple[int, ...]]:
    """The usable cores split evenly into ``jobs`` disjoint sets (shared when jobs > cores)."""
    available = sorted(cores if cores is not None else os.sched_getaffinity(0))
    jobs = max(1, jobs)
    if jobs > len(available):
        return [(available[i % len(available)],) for i in range(jobs)]
    size = len(available) // jobs
    return [tuple(available[i * size:(i + 1) * size]) for i in range(jobs)]


class LocalExecutor:
    """Up to ``jobs`` runs at once in threads of this process, each pinned to its own cores."""

    def __init__(self, *, jobs: int, isolation: Isolation | None = None,
                 harness_child: bool = True) -> None:
        self.jobs = max(1, jobs)
        self._isolation = isolation
        self._harness_child = harness_child
        self._running = _Running()
        self._free = list(core_sets(self.jobs))
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
                yield pending.pop(future), future.result()

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
_WORKER_RUNS: dict[str, _Running] = {}
_WORKER_LOCK = threading.Lock()


def _run_on_worker(spec: RunSpec, harness_child: bool, token: str) -> RunOutcome:
    """What a Dask worker runs: one run on the worker's cores, with the worker's isolation."""
    with _WORKER_LOCK:
        running = _WORKER_RUNS.setdefault(token, _Running())
    return run_one(spec, harness_child=harness_child, running=running)


def _stop_on_worker(token: str) -> int:
    """Kill the runs of one executor on this worker; how many were running."""
    with _WORKER_LOCK:
        running = _WORKER_RUNS.pop(token, None)
        _WORKER_RUNS[token] = _Running()
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
    ``run_one`` is importable on the workers, which need the grader installed.
    """

    def __init__(self, *, address: str, harness_child: bool = True, **client_options: Any) -> None:
        from dask.distributed import Client

        self._client = Client(address, **client_options)
        self._harness_child = harness_child
        self._token = uuid.uuid4().hex
        self._closed = False
        self._futures: list[Any] = []

    def run(self, specs: Sequence[RunSpec]) -> Iterator[tuple[RunSpec, RunOutcome]]:
        from dask.distributed import as_completed

        by_key: dict[str, RunSpec] = {}
        futures = []
        for spec in specs:
            future = self._client.submit(
                _run_on_worker, spec, self._harness_child, self._token, resources={"CPU": 1},
                pure=False,
                key=f"run-{spec.submission_id}-{spec.task}-{spec.index}-{id(spec):x}",
            )
            by_key[future.key] = spec
            futures.append(future)
        self._futures.extend(futures)
        for future in as_completed(futures):
            if self._closed or future.cancelled():
                return  # close() was called: the runs were cancelled or killed
            yield by_key[future.key], future.result()

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
        self._client.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        self.close()


__all__ = ["DaskExecutor", "Executor", "LocalExecutor", "core_sets", "run_one"]
