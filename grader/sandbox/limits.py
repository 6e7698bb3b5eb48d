"""What the forked child applies to itself before ``exec``: resource limits, cores, cgroups, and
death with the grader.

``RLIMIT_DATA``, not ``RLIMIT_AS``, which breaks TensorFlow's import; ``RLIMIT_NPROC`` only where
a uid drop makes it count. ``PR_SET_PDEATHSIG``: the kernel kills the child (the layer's own
process, which takes the run's pid namespace with it) when the grader dies, even by ``kill -9``.
"""

from __future__ import annotations

import ctypes
import os
import resource
import signal
from collections.abc import Callable
from dataclasses import dataclass

FSIZE_MB = 256  # the largest file a run may write
PR_SET_PDEATHSIG = 1


@dataclass(frozen=True)
class ChildLimits:
    """What the forked child applies to itself before ``exec`` (see ``preexec``)."""

    memory_mb: int
    processes: int | None  # RLIMIT_NPROC; None where it would not count (root, no uid drop)
    cores: tuple[int, ...] | None
    cgroup_procs: tuple[str, ...] = ()  # cgroup.procs files to join
    fsize_mb: int = FSIZE_MB

    def preexec(self) -> Callable[[], None]:
        """A function for ``Popen(preexec_fn=...)``: only syscalls on prepared values.

        It runs between fork and exec in a possibly multi-threaded parent, so it imports
        nothing, formats nothing it need not and takes no lock. The death signal is tied to the
        forking thread, which lives until the run is reaped (it waits for it).
        """
        data = self.memory_mb * 1024 * 1024
        fsize = self.fsize_mb * 1024 * 1024
        nproc = self.processes
        cores = self.cores
        procs = self.cgroup_procs
        setrlimit, getpid, sched_setaffinity = resource.setrlimit, os.getpid, os.sched_setaffinity
        open_, write, close = os.open, os.write, os.close
        prctl = ctypes.CDLL(None, use_errno=True).prctl
        die, kill = ctypes.c_int(PR_SET_PDEATHSIG), ctypes.c_ulong(signal.SIGKILL)
        grader, getppid, exit_ = os.getpid(), os.getppid, os._exit

        def apply() -> None:
            prctl(die, kill)  # first: a grader dying from here on takes the child with it
            if getppid() != grader:  # it died before: nothing would ever kill this child
                exit_(1)
            pid = str(getpid()).encode()
            for path in procs:  # join first: everything after is accounted
                fd = open_(path, os.O_WRONLY)
                try:
                    write(fd, pid)
                finally:
                    close(fd)
            setrlimit(resource.RLIMIT_CORE, (0, 0))
            setrlimit(resource.RLIMIT_DATA, (data, data))
            setrlimit(resource.RLIMIT_FSIZE, (fsize, fsize))
            if nproc is not None:
                setrlimit(resource.RLIMIT_NPROC, (nproc, nproc))
            if cores:
                sched_setaffinity(0, cores)

        return apply
