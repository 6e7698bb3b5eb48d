"""The boundary around a student's run: the isolating wrapper, the limits and the environment.

Layers usable without one another, because machines differ in what they allow:

- ``Isolation``: bubblewrap with no network, a private pid namespace that dies with the grader,
  only the Python installation, the harness and the work folder visible, and (as root) an
  unprivileged uid. Detected and *probed* once; where it does not work the grader falls back to
  no isolation and says so loudly, and every ``RunOutcome.isolated`` records which one applied.
- ``ChildLimits``: resource limits applied in the forked child before ``exec`` (``RLIMIT_DATA``,
  not ``RLIMIT_AS``, which breaks TensorFlow's import; ``RLIMIT_NPROC`` only where a uid drop makes
  it count), CPU affinity and joining the run's cgroups.
- the run's cgroups (``grader.sandbox.cgroups``), joined by the child through ``ChildLimits``.
"""

from __future__ import annotations

import functools
import logging
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from grader.harness import CHILD_DIR

log = logging.getLogger(__name__)

NOBODY = 65534  # the uid and gid a root grader drops to inside the wrapper
FSIZE_MB = 256  # the largest file a run may write
SYSTEM_PATHS = ("/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/etc",
                "/sys/devices/system/cpu")
MINIMAL_PATH = "/usr/local/bin:/usr/bin:/bin"
THREAD_VARIABLES = ("TF_NUM_INTRAOP_THREADS", "TF_NUM_INTEROP_THREADS", "OMP_NUM_THREADS",
                    "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "NUMEXPR_NUM_THREADS")
PROBE_TIMEOUT_S = 60.0
#: run inside the wrapper by the probe: prints "ok" only if the confinement really holds
PROBE_CODE = """
import os, socket, sys
uid = int(sys.argv[1])
assert uid < 0 or os.getuid() == uid, os.getuid()
open("probe.txt", "w").write("x")
for path in ("/probe-escape", sys.prefix + "/probe-escape"):
    try:
        open(path, "w")
    except OSError:
        pass
    else:
        sys.exit("wrote outside the work folder: " + path)
s = socket.socket()
s.settimeout(2)
try:
    s.connect(("1.1.1.1", 53))
except OSError:
    print("ok")
else:
    sys.exit("network reachable")
"""


@dataclass(frozen=True)
class Isolation:
    """How runs are confined: ``kind`` is "bubblewrap" or "none"; ``wrap`` builds the argv.

    ``uid`` is the unprivileged uid the command drops to (None: keep the grader's, as when the
    grader is not root); ``read_only`` are the host paths bound read-only at the same place.
    """

    kind: str
    bwrap: str | None = None
    setpriv: str | None = None
    uid: int | None = None
    read_only: tuple[str, ...] = ()
    warning: str = ""

    @property
    def isolated(self) -> bool:
        return self.kind == "bubblewrap"

    def wrap(self, argv: Sequence[str], *, workdir: Path) -> list[str]:
        """``argv`` as the wrapper runs it, with ``workdir`` (bound read-write) as its cwd."""
        if not self.isolated or self.bwrap is None:
            return list(argv)
        command = [self.bwrap, "--unshare-net", "--unshare-pid", "--unshare-ipc",
                   "--unshare-uts", "--die-with-parent", "--new-session",
                   # the fresh /tmp first: a venv or checkout that lives under /tmp is bound
                   # onto it below, not hidden by it
                   "--proc", "/proc", "--dev", "/dev", "--tmpfs", "/tmp", "--tmpfs", "/dev/shm"]
        for parent in _ancestors(self.read_only):  # else bwrap makes them 0700, root's
            command += ["--perms", "0755", "--dir", parent]
        for path in self.read_only:
            if os.path.islink(path):
                command += ["--symlink", os.readlink(path), path]
            else:
                command += ["--ro-bind", path, path]
        command += ["--bind", str(workdir), str(workdir), "--chdir", str(workdir), "--"]
        if self.uid is not None and self.setpriv is not None:
            command += [self.setpriv, f"--reuid={self.uid}", f"--regid={self.uid}",
                        "--clear-groups", "--no-new-privs", "--"]
        return command + list(argv)

    def prepare(self, workdir: Path) -> None:
        """Let the run's uid write scratch files in ``workdir`` (its own files stay read-only)."""
        if self.isolated and self.uid is not None:
            os.chown(workdir, self.uid, self.uid)


NO_ISOLATION = Isolation(kind="none")


def _ancestors(paths: Sequence[str]) -> list[str]:
    """The folders above ``paths`` that the wrapper must create, parents first."""
    found: set[str] = set()
    for path in paths:
        found.update(str(parent) for parent in Path(path).parents if str(parent) != "/")
    return sorted(found - set(paths), key=lambda p: (p.count("/"), p))


def python_paths(python: str = sys.executable) -> tuple[str, ...]:
    """Host paths a run needs read-only: the system, the Python installation, the harness.

    The venv may live anywhere (even under /root): its prefix, the base installation it points
    to and the real interpreter behind its symlinks are bound, at the same paths, so that
    ``sys.prefix`` and site-packages resolve inside as outside.
    """
    wanted = [*SYSTEM_PATHS, sys.prefix, sys.exec_prefix, sys.base_prefix, sys.base_exec_prefix,
              str(Path(python).parent), str(Path(python).resolve().parent.parent),
              str(CHILD_DIR)]
    existing = [os.path.normpath(p) for p in wanted if os.path.lexists(p)]
    kept: list[str] = []
    for path in sorted(set(existing), key=len):  # parents first; skip what they already hold
        if not any(path == k or path.startswith(k.rstrip("/") + "/") for k in kept):
            kept.append(path)
    return tuple(kept)


def bubblewrap(*, python: str = sys.executable) -> Isolation | None:
    """The bubblewrap strategy for this machine, unprobed; None when bwrap is not installed."""
    bwrap = shutil.which("bwrap")
    if bwrap is None:
        return None
    setpriv = shutil.which("setpriv")
    root = os.geteuid() == 0
    if root and setpriv is None:
        return None  # never run student code as root inside the wrapper
    return Isolation(kind="bubblewrap", bwrap=bwrap, setpriv=setpriv if root else None,
                     uid=NOBODY if root else None, read_only=python_paths(python))


def probe(isolation: Isolation, *, python: str = sys.executable) -> str:
    """Run a tiny script under ``isolation``; "" if the confinement holds, else what failed."""
    workdir = Path(tempfile.mkdtemp(prefix="grader-probe-"))
    try:
        isolation.prepare(workdir)
        uid = isolation.uid if isolation.uid is not None else -1
        argv = isolation.wrap([python, "-I", "-c", PROBE_CODE, str(uid)], workdir=workdir)
        done = subprocess.run(argv, cwd=workdir, env=scrubbed_env(workdir=workdir, threads=1),
                              capture_output=True, text=True, timeout=PROBE_TIMEOUT_S,
                              check=False)
    except (OSError, subprocess.SubprocessError) as error:
        return f"{type(error).__name__}: {error}"
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    if done.returncode == 0 and done.stdout.strip() == "ok":
        return ""
    return (done.stderr.strip() or done.stdout.strip() or f"exit {done.returncode}")[-500:]


@functools.cache
def detect_isolation() -> Isolation:
    """The best isolation that works here, probed once per process; warns loudly on fallback."""
    candidate = bubblewrap()
    if candidate is None:
        reason = "bubblewrap (bwrap, and setpriv as root) is not installed"
    else:
        failure = probe(candidate)
        if not failure:
            return candidate
        reason = f"bubblewrap does not work here: {failure}"
    message = (f"runs are NOT isolated ({reason}): student code will have the network and the "
               "grader's file system; only resource limits apply")
    warnings.warn(message, RuntimeWarning, stacklevel=2)
    log.warning(message)
    return Isolation(kind="none", warning=message)


def scrubbed_env(*, workdir: Path, threads: int) -> dict[str, str]:
    """The child's whole environment: nothing of the grader's (no credentials, no grader vars)."""
    count = str(max(1, threads))
    return {
        "PATH": MINIMAL_PATH,
        "HOME": str(workdir),
        "MPLCONFIGDIR": str(workdir),
        "TMPDIR": str(workdir),
        "LANG": "C.UTF-8",
        "LC_ALL": "C.UTF-8",
        "PYTHONDONTWRITEBYTECODE": "1",
        "CUDA_VISIBLE_DEVICES": "",
        "TF_CPP_MIN_LOG_LEVEL": "3",
        "MPLBACKEND": "Agg",
        **{name: count for name in THREAD_VARIABLES},
    }


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
        nothing, formats nothing it need not and takes no lock.
        """
        data = self.memory_mb * 1024 * 1024
        fsize = self.fsize_mb * 1024 * 1024
        nproc = self.processes
        cores = self.cores
        procs = self.cgroup_procs
        setrlimit, getpid, sched_setaffinity = resource.setrlimit, os.getpid, os.sched_setaffinity
        open_, write, close = os.open, os.write, os.close

        def apply() -> None:
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
