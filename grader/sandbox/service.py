"""A long-lived process under the runs' isolation that the grader talks to over pipes.

``start_service`` starts ``argv`` exactly as a run is confined (``Isolation.wrap`` around a fresh
work folder of its own, ``inside.py`` as pid 1, the uid drop, no network, a read-only root, the
scrubbed environment) and limited (``ChildLimits``: ``RLIMIT_DATA`` and the rest; the memory and
pids cgroups where the machine has them; death with the grader), with stdin and stdout as pipes
to the grader and stderr dropped. The trusted evaluator runs this way, and the tests run their
probes through the same function, so what a probe can do, the evaluator's code can do too.

Unlike a run it has no wall-clock limit of its own: its client bounds each exchange and calls
``stop``, which kills the whole tree, removes the cgroups and the work folder.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from grader.sandbox.cgroups import RunGroups, make_cgroups
from grader.sandbox.isolation import Isolation, WorkFolder, sandbox_ready, scrubbed_env
from grader.sandbox.limits import ChildLimits
from grader.sandbox.workdirs import new_workdir, remove_workdir


@dataclass(frozen=True)
class ServiceLimits:
    """What confines a service besides the layer: memory (``RLIMIT_DATA`` and the memory
    cgroup), processes and threads, and its work folder's quota (a tmpfs under isolation)."""

    memory_mb: int = 4096
    processes: int = 512  # TensorFlow's threads count
    disk_mb: int = 256
    inodes: int = 1024
    threads: int = 1


@dataclass(frozen=True)
class Service:
    """A started service: its process (the layer's outermost one), work folder and cgroups."""

    process: subprocess.Popen[bytes]
    workdir: Path
    groups: RunGroups
    ready_read: int  # the read end of the sandbox's "ready" pipe

    def alive(self) -> bool:
        """Whether the process has not ended (never reaps it: its pid stays ours to kill)."""
        if self.process.returncode is not None:
            return False
        try:
            ended = os.waitid(os.P_PID, self.process.pid,
                              os.WEXITED | os.WNOHANG | os.WNOWAIT)
        except ChildProcessError:
            return False
        return ended is None

    def sandbox_built(self) -> bool:
        """Whether ``inside.py`` said the sandbox was built (under isolation; never blocks)."""
        return sandbox_ready(self.ready_read)

    def stop(self) -> None:
        """Kill the whole tree, reap it, remove the cgroups and the work folder."""
        if self.process.returncode is None:  # not reaped: the group's id is still ours
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(self.process.pid, signal.SIGKILL)
        self.groups.kill_all(rounds=3)
        self.process.wait()
        for stream in (self.process.stdin, self.process.stdout):
            if stream is not None:
                with contextlib.suppress(OSError):
                    stream.close()
        with contextlib.suppress(OSError):
            os.close(self.ready_read)
        self.groups.kill_all()
        self.groups.remove()
        remove_workdir(self.workdir)


def start_service(argv: Sequence[str], *, isolation: Isolation,
                  limits: ServiceLimits = ServiceLimits()) -> Service:
    """``argv`` started under ``isolation`` in a fresh work folder (see the module doc).

    Under "none" (``--no-isolation``) the process runs unconfined but for the limits, with the
    grader's uid, network and file system, as the runs do then.
    """
    workdir = new_workdir()
    workdir.chmod(0o755)  # the layer binds the staging folder before dropping the uid
    groups = make_cgroups(memory_mb=limits.memory_mb, processes=limits.processes, cores=None)
    drops_uid = isolation.isolated and isolation.uid is not None
    child = ChildLimits(memory_mb=limits.memory_mb, cores=None, cgroup_procs=groups.procs_files,
                        processes=limits.processes if drops_uid else None)
    ready_read, ready_write = os.pipe()
    os.set_inheritable(ready_write, True)
    work = WorkFolder(path=workdir, disk_mb=limits.disk_mb, inodes=limits.inodes)
    try:
        process = _spawn(
            isolation.wrap(argv, work=work, ready_fd=ready_write), cwd=workdir,
            env=scrubbed_env(workdir=workdir, threads=limits.threads), pass_fds=(ready_write,),
            preexec=child)
    except BaseException:
        os.close(ready_read)
        groups.kill_all()
        groups.remove()
        remove_workdir(workdir)
        raise
    finally:
        os.close(ready_write)
    return Service(process=process, workdir=workdir, groups=groups, ready_read=ready_read)


def _spawn(argv: list[str], *, cwd: Path, env: dict[str, str], pass_fds: tuple[int, ...],
           preexec: ChildLimits) -> subprocess.Popen[bytes]:
    """``Popen`` from a thread of its own that lives as long as the process.

    The death signal (``PR_SET_PDEATHSIG``) fires when the thread that forked ends, not the
    grader; a service outlives the executor thread that asked for it first, so a keeper thread
    forks it and then waits for its end (without reaping: ``Service.stop`` reaps).
    """
    box: list[subprocess.Popen[bytes] | BaseException] = []
    started = threading.Event()

    def keep() -> None:
        try:
            # preexec_fn in a threaded parent: only syscalls on prepared values (see limits)
            process = subprocess.Popen(
                argv, cwd=cwd, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL, pass_fds=pass_fds,
                preexec_fn=preexec.preexec(), start_new_session=True)  # noqa: PLW1509
        except BaseException as error:  # handed to the caller, raised there
            box.append(error)
            started.set()
            return
        box.append(process)
        started.set()
        with contextlib.suppress(ChildProcessError, InterruptedError):
            os.waitid(os.P_PID, process.pid, os.WEXITED | os.WNOWAIT)

    threading.Thread(target=keep, name="grader-service", daemon=True).start()
    started.wait()
    made = box[0]
    if isinstance(made, BaseException):
        raise made
    return made


__all__ = ["Service", "ServiceLimits", "start_service"]
