"""How a run is confined: the layers, the work folder, the child's environment.

Three kinds, the best one the machine allows (``grader.sandbox.detect`` finds and probes them):

- "bubblewrap": bubblewrap makes the namespaces (no network, own pid, ipc, uts and cgroup
  namespaces, dying with the grader) and a root holding only the system, the Python installation
  and the harness read-only;
- "namespaces": util-linux ``unshare`` makes the same namespaces (through a user namespace when
  the grader is not root) and ``inside.py``, the run's supervisor, builds the same root itself;
- "none": the command runs as it is, with only the resource limits; the grader refuses it unless
  told (``--no-isolation``), and every run and the report say so.

Under both layers ``inside.py`` then mounts the work folder, the only writable place, as a tmpfs
of ``disk_mb`` megabytes and ``inodes`` files, binds the script and the dataset into it
read-only, and drops to an unprivileged uid (as root) without capabilities (``setpriv``).
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from grader.harness import CHILD_DIR

INSIDE = Path(__file__).resolve().parent / "inside.py"
NOBODY = 65534  # the uid and gid a root grader drops to inside the sandbox
SYSTEM_PATHS = ("/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/etc",
                "/sys/devices/system/cpu")
MINIMAL_PATH = "/usr/local/bin:/usr/bin:/bin"
THREAD_VARIABLES = ("TF_NUM_INTRAOP_THREADS", "TF_NUM_INTEROP_THREADS", "OMP_NUM_THREADS",
                    "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "NUMEXPR_NUM_THREADS")
STAGE_MOUNT = "/.grader-stage"  # where bubblewrap shows inside.py the staged files, unmounted
INSIDE_MOUNT = "/.grader-inside.py"  # where bubblewrap shows inside.py itself, unmounted too
SHM_BYTES = 64 * 1024 * 1024
KINDS = ("bubblewrap", "namespaces", "none")


@dataclass(frozen=True)
class WorkFolder:
    """A run's work folder: ``path`` (the staging folder outside, the same path inside), the
    staged ``files`` bound read-only into it, and its quota."""

    path: Path
    files: tuple[str, ...] = ()
    disk_mb: int = 1024
    inodes: int = 4096


@dataclass(frozen=True)
class Isolation:
    """How runs are confined: ``kind`` (one of ``KINDS``); ``wrap`` builds the argv.

    ``program`` is bwrap or unshare; ``uid`` the unprivileged uid the run drops to (None: it
    keeps the grader's, as root of a user namespace without capabilities, when the grader is not
    root); ``read_only`` the host paths bound read-only at the same place; ``python`` the
    interpreter that runs ``inside.py``.
    """

    kind: str
    program: str | None = None
    setpriv: str | None = None
    uid: int | None = None
    read_only: tuple[str, ...] = ()
    python: str = sys.executable
    warning: str = ""

    @property
    def isolated(self) -> bool:
        return self.kind != "none"

    def wrap(self, argv: Sequence[str], *, work: WorkFolder,
             ready_fd: int | None = None) -> list[str]:
        """``argv`` as the layer runs it, in ``work`` (its cwd).

        ``ready_fd`` (inherited by the layer) receives "ready" once the sandbox is built, and is
        closed before the run starts: see ``sandbox_ready``.
        """
        if not self.isolated or self.program is None or self.setpriv is None:
            return list(argv)
        config = {
            "layer": self.kind, "workdir": str(work.path), "files": list(work.files),
            "disk_mb": work.disk_mb, "inodes": work.inodes, "uid": self.uid,
            "setpriv": self.setpriv, "argv": list(argv), "read_only": list(self.read_only),
            "stage": str(work.path) if self.kind == "namespaces" else STAGE_MOUNT,
            "ready_fd": ready_fd,
            "unmount": [] if self.kind == "namespaces" else [STAGE_MOUNT, INSIDE_MOUNT],
        }
        if self.kind == "namespaces":  # inside.py starts on the host's file system
            inside = [self.python, "-I", "-S", str(INSIDE), json.dumps(config)]
            return [*self._unshare(), "--", *inside]
        inside = [self.python, "-I", "-S", INSIDE_MOUNT, json.dumps(config)]
        return [*self._bubblewrap(work), "--", *inside]

    def _unshare(self) -> list[str]:
        assert self.program is not None
        command = [self.program, "--mount", "--pid", "--net", "--ipc", "--uts", "--cgroup",
                   "--fork", "--kill-child", "--propagation", "private"]
        return command if self.uid is not None else [*command, "--map-root-user"]

    def _bubblewrap(self, work: WorkFolder) -> list[str]:
        assert self.program is not None
        command = [self.program, "--unshare-net", "--unshare-pid", "--unshare-ipc",
                   "--unshare-uts", "--unshare-cgroup-try", "--die-with-parent", "--new-session",
                   "--as-pid-1"]  # inside.py is the namespace's init, as under unshare
        if self.uid is None:  # not root: root of a user namespace, to mount the work folder
            command += ["--unshare-user", "--uid", "0", "--gid", "0"]
        # inside.py mounts and drops to the run's uid; setpriv then clears every capability
        for capability in ("CAP_SYS_ADMIN", "CAP_SETUID", "CAP_SETGID", "CAP_SETPCAP"):
            command += ["--cap-add", capability]
        # the fresh /tmp first: a venv or checkout that lives under /tmp is bound onto it below,
        # not hidden by it; read-only at the end, like the whole root but the work folder
        command += ["--proc", "/proc", "--dev", "/dev", "--perms", "0755", "--tmpfs", "/tmp",
                    "--size", str(SHM_BYTES), "--perms", "1777", "--tmpfs", "/dev/shm"]
        for parent in _ancestors(self.read_only):  # else bwrap makes them 0700, root's
            command += ["--perms", "0755", "--dir", parent]
        for path in self.read_only:
            if os.path.islink(path):
                command += ["--symlink", os.readlink(path), path]
            else:
                command += ["--ro-bind", path, path]
        return [*command, "--perms", "0755", "--dir", str(work.path),
                "--ro-bind", str(work.path), STAGE_MOUNT, "--ro-bind", str(INSIDE), INSIDE_MOUNT,
                "--remount-ro", "/tmp",
                "--remount-ro", "/dev", "--remount-ro", "/", "--chdir", "/"]


NO_ISOLATION = Isolation(kind="none")
READY = b"ready"  # what inside.py writes to the ready pipe


class SandboxError(RuntimeError):
    """The sandbox of a run could not be built: the grader's fault, never the student's."""


def sandbox_ready(read_end: int) -> bool:
    """Whether inside.py said "ready" on the pipe whose ``read_end`` this is (never blocks)."""
    os.set_blocking(read_end, False)
    try:
        return os.read(read_end, len(READY)) == READY
    except BlockingIOError:
        return False


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


