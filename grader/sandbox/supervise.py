"""The parent's side of one child process: start it limited, watch it, end it, say how it ended.

``supervise`` starts the (already wrapped) command in its own session and cgroups with the
child's limits, reads stdout and stderr concurrently into bounded tails, kills the whole tree on
a wall-clock timeout, an output flood or the executor's request, and reaps the child only after
the final kill, so that the process group's id cannot have been reused by then. ``classify``
turns how it ended into a ``RunStatus`` and a note in words.
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import re
import selectors
import signal
import subprocess
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from grader.records import RunOutcome, RunSpec, RunStatus
from grader.sandbox.cgroups import RunGroups, make_cgroups
from grader.sandbox.isolation import Isolation
from grader.sandbox.limits import ChildLimits

FLOOD_FACTOR = 50  # more than this many times output_kb on one stream kills the run
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
#: how a run that filled its work folder (its tmpfs quota: bytes or files) ends: ENOSPC
DISK_SIGNS = re.compile(r"No space left on device|Disk quota exceeded")


class Running:
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


def supervise(
    spec: RunSpec,
    *,
    argv: list[str],
    workdir: Path,
    env: dict[str, str],
    cores: Sequence[int] | None,
    isolation: Isolation,
    pass_fds: tuple[int, ...],
    running: Running | None,
) -> RunOutcome:
    """Start, watch and end the child; the outcome without facts."""
    groups = make_cgroups(memory_mb=spec.memory_mb, processes=spec.processes, cores=cores)
    process: subprocess.Popen[bytes] | None = None
    timer: threading.Timer | None = None
    key = 0
    # everything from the groups' making to the child's exit is one try: an interruption (Ctrl-C,
    # a signal) wherever it lands leaves no process and no cgroup behind
    try:
        drops_uid = isolation.isolated and isolation.uid is not None
        limits = ChildLimits(
            memory_mb=spec.memory_mb, processes=spec.processes if drops_uid else None,
            cores=tuple(cores) if cores else None, cgroup_procs=groups.procs_files,
        )
        base = RunOutcome(index=spec.index, status=RunStatus.FAILED, exit_code=None,
                          wall_s=0.0, cpu_s=0.0, max_rss_mb=0.0, stdout="", stderr="",
                          facts=None, isolated=isolation.isolated)
        started = time.monotonic()
        process = subprocess.Popen(
            argv, cwd=workdir, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
            # preexec_fn in a threaded parent: the function makes only syscalls on values
            # prepared beforehand (no import, no lock), which is what makes it safe here
            stderr=subprocess.PIPE, pass_fds=pass_fds, preexec_fn=limits.preexec(),  # noqa: PLW1509
            start_new_session=True,
        )
        child = process
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
                _kill_tree(child.pid, groups)

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

        def end() -> tuple[int, Any]:
            """Stop the watchers, kill whatever the run left behind, reap the child."""
            nonlocal reaped
            if timer is not None:
                timer.cancel()
            if running is not None:
                running.discard(key)
            with lock:
                _kill_tree(child.pid, groups)
                _, status, usage = os.wait4(child.pid, 0)
                reaped = True
            return status, usage

        # wait for the exit without reaping, so the zombie keeps the group's id ours
        os.waitid(os.P_PID, process.pid, os.WEXITED | os.WNOWAIT)
    except BaseException:  # the setup failed, or the grader was interrupted: end it all
        _abandon(process, groups=groups, timer=timer, running=running, key=key)
        raise
    status, usage = end()
    wall = time.monotonic() - started
    process.returncode = os.waitstatus_to_exitcode(status)
    reader.finish()
    oom = groups.oom_killed()
    groups.kill_all()
    cpu_s, peak_mb = _usage(usage, groups, isolated=isolation.isolated)
    groups.remove()
    stdout, stderr = reader.text()
    run_status, note = classify(process.returncode, why[0] if why else "", stderr=stderr, oom=oom,
                                timeout_s=spec.timeout_s, output_kb=spec.output_kb,
                                quota=_quota(spec) if isolation.isolated else "")
    for name, truncated in (("stdout", reader.truncated[0]), ("stderr", reader.truncated[1])):
        if truncated and run_status is not RunStatus.BAD_OUTPUT:
            note = f"{note}; {name} truncated to its last {spec.output_kb} KB".lstrip("; ")
    return dataclasses.replace(
        base, status=run_status, exit_code=process.returncode, wall_s=round(wall, 3),
        cpu_s=round(cpu_s, 3), max_rss_mb=round(peak_mb, 1), stdout=stdout, stderr=stderr,
        note=note,
    )


def _abandon(process: subprocess.Popen[bytes] | None, *, groups: RunGroups,
             timer: threading.Timer | None, running: Running | None, key: int) -> None:
    """Ends a run the grader gives up on before it ended: no process, no cgroup left."""
    if timer is not None:
        timer.cancel()
    if running is not None and key:
        running.discard(key)
    if process is not None and process.returncode is None:
        _kill_tree(process.pid, groups)
        with contextlib.suppress(ChildProcessError):
            os.wait4(process.pid, 0)
        process.returncode = -signal.SIGKILL
    groups.kill_all()
    groups.remove()


def _usage(usage: Any, groups: RunGroups, *, isolated: bool) -> tuple[float, float]:
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


def _kill_tree(pid: int, groups: RunGroups) -> None:
    """SIGKILL the run's process group (the layer's process: its pid namespace dies with it)
    and its cgroups."""
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, signal.SIGKILL)
    groups.kill_all(rounds=3)


def _quota(spec: RunSpec) -> str:
    return f"{spec.disk_mb} MB and {spec.inodes} files"


def classify(
    code: int, killed_for: str, *, stderr: str, oom: bool, timeout_s: float, output_kb: int,
    quota: str = "",
) -> tuple[RunStatus, str]:
    """The status and a note in words, from how the child ended and why the parent killed it.

    ``quota`` describes the work folder's limit where one applied (under isolation).
    """
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
    if quota and DISK_SIGNS.search(stderr[-MEMORY_TAIL:]):
        return RunStatus.FAILED, f"filled its work folder (the limit is {quota})"
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
