"""One run's cgroup v2 group (the unified hierarchy), where the machine has no v1 controllers.

Written against the kernel's "Control Group v2" documentation
(https://docs.kernel.org/admin-guide/cgroup-v2.html):

- a process's group is the ``0::PATH`` line of ``/proc/self/cgroup``, under the cgroup2 mount;
- controllers are given to children through the parent's ``cgroup.subtree_control``
  (``+memory +pids +cpuset``), only those listed in its ``cgroup.controllers``; by the "no
  internal process" rule a non-root group with processes cannot do that, so the grader first
  moves itself into a leaf of its own (``grader-<pid>-self``) when it is alone in its group;
- limits: ``memory.max`` (with ``memory.swap.max`` 0), ``pids.max``, ``cpuset.cpus``;
  accounts: ``memory.peak`` (kernel 5.19+), ``cpu.stat``'s ``usage_usec`` (always present),
  ``memory.events``' ``oom_kill``;
- ``cgroup.kill`` (kernel 5.13+) SIGKILLs every process of the group and its descendants, forks
  racing the kill included; older kernels get the per-pid kill of ``cgroup.procs``.

Nothing is required: without a writable v2 hierarchy ``make_unified`` returns None, and a group
whose parent could not delegate a controller still groups (and kills) the run's processes.
Tested here on a fake hierarchy in a temporary folder: this machine runs cgroup v1.
"""

from __future__ import annotations

import functools
import logging
import os
import re
import signal
import time
import uuid
from collections.abc import Callable, Iterable, Sequence
from contextlib import suppress
from dataclasses import dataclass
from pathlib import Path

from grader.sandbox.workdirs import alive


def kill_members(pids: Callable[[], Iterable[int]], *, rounds: int) -> None:
    """SIGKILL every pid ``pids()`` lists until it lists none (forks racing the kill are caught
    in the next round); a v1 group and a v2 group without ``cgroup.kill`` are emptied alike."""
    for _ in range(rounds):
        members = list(pids())
        if not members:
            return
        for pid in members:
            with suppress(ProcessLookupError, PermissionError):
                os.kill(pid, signal.SIGKILL)
        time.sleep(0.01)

log = logging.getLogger(__name__)

CONTROLLERS = ("memory", "pids", "cpuset")
#: a run's group (the grader's pid, a tag) or a grader's own leaf, swept when that pid is gone
SWEPT_NAME = re.compile(r"grader-(\d+)-(?:[0-9a-f]{8}|self)")


@dataclass
class UnifiedCgroup:
    """One run's v2 group; ``controllers`` are those delegated to it (its limits)."""

    path: Path
    controllers: tuple[str, ...] = ()

    @property
    def procs_files(self) -> tuple[str, ...]:
        return (str(self.path / "cgroup.procs"),)

    @property
    def folders(self) -> tuple[Path, ...]:
        return (self.path,)

    def pids(self) -> set[int]:
        try:
            return {int(p) for p in (self.path / "cgroup.procs").read_text().split()}
        except (OSError, ValueError):
            return set()

    def kill_all(self, *, rounds: int = 50) -> None:
        """SIGKILL the whole group: ``cgroup.kill`` where the kernel has it, else pid by pid."""
        with suppress(OSError):
            (self.path / "cgroup.kill").write_text("1")
        kill_members(self.pids, rounds=rounds)

    def oom_killed(self) -> bool:
        return _keyed(self.path / "memory.events", "oom_kill") > 0

    def cpu_s(self) -> float | None:
        usage = _keyed(self.path / "cpu.stat", "usage_usec", default=-1)
        return usage / 1e6 if usage >= 0 else None

    def peak_memory_mb(self) -> float | None:
        with suppress(OSError, ValueError):
            return int((self.path / "memory.peak").read_text()) / 2**20
        return None

    def remove(self) -> None:
        for _ in range(100):  # rmdir fails while the last killed process is being reaped
            try:
                self.path.rmdir()
                return
            except FileNotFoundError:
                return
            except OSError:
                time.sleep(0.02)


def _keyed(path: Path, key: str, *, default: int = 0) -> int:
    """The value of ``key`` in a flat-keyed file ("key value" lines), or ``default``."""
    with suppress(OSError, ValueError):
        for line in path.read_text().splitlines():
            name, _, value = line.partition(" ")
            if name == key:
                return int(value)
    return default


def own_unified(*, root: Path, proc_cgroup: Path) -> Path | None:
    """This process's v2 group (the ``0::`` line), if the unified hierarchy is mounted at root."""
    try:
        lines = proc_cgroup.read_text().splitlines()
    except OSError:
        return None
    for line in lines:
        if line.startswith("0::"):
            path = root / line[3:].strip().lstrip("/")
            return path if (path / "cgroup.controllers").is_file() else None
    return None


def delegate(parent: Path, *, pid: int) -> tuple[str, ...]:
    """Enable the controllers the run groups need under ``parent``; those that are enabled.

    Where the grader is alone in ``parent`` it first moves into its own leaf, which the "no
    internal process" rule requires; with other processes there it leaves them alone and the
    runs get groups without limits (they are still killed as a whole).
    """
    wanted = [c for c in CONTROLLERS if c in _words(parent / "cgroup.controllers")]
    enabled = set(_words(parent / "cgroup.subtree_control"))
    if set(wanted) <= enabled:
        return tuple(wanted)
    members = _words(parent / "cgroup.procs")
    if members == [str(pid)]:
        leaf = parent / f"grader-{pid}-self"
        with suppress(FileExistsError):
            leaf.mkdir()
        with suppress(OSError):
            (leaf / "cgroup.procs").write_text(str(pid))
    for controller in wanted:
        try:
            (parent / "cgroup.subtree_control").write_text(f"+{controller}")
        except OSError as error:
            log.debug("cgroup v2: cannot delegate %s under %s: %s", controller, parent, error)
    return tuple(c for c in wanted if c in _words(parent / "cgroup.subtree_control"))


def sweep_unified(parent: Path) -> None:
    """Kill and remove the run groups under ``parent`` of graders that no longer exist."""
    with suppress(OSError):
        for path in parent.iterdir():
            match = SWEPT_NAME.fullmatch(path.name)
            if match is None or not path.is_dir() or alive(int(match.group(1))):
                continue
            UnifiedCgroup(path=path).kill_all(rounds=5)
            with suppress(OSError):
                path.rmdir()


_sweep_once = functools.cache(sweep_unified)


def _words(path: Path) -> list[str]:
    try:
        return path.read_text().split()
    except OSError:
        return []


def make_unified(*, memory_mb: int, processes: int, cores: Sequence[int] | None, root: Path,
                 proc_cgroup: Path) -> UnifiedCgroup | None:
    """The run's v2 group with its limits, or None where none can be made (never raises)."""
    own = own_unified(root=root, proc_cgroup=proc_cgroup)
    if own is None:
        return None
    parent = own.parent if own.name == f"grader-{os.getpid()}-self" else own
    controllers = delegate(parent, pid=os.getpid())
    _sweep_once(parent)
    path = parent / f"grader-{os.getpid()}-{uuid.uuid4().hex[:8]}"
    try:
        path.mkdir()
    except OSError as error:
        log.debug("cgroup v2 group not made under %s: %s", parent, error)
        return None
    settings = {
        "memory": {"memory.max": str(memory_mb * 1024 * 1024)},
        "pids": {"pids.max": str(processes)},
        "cpuset": {"cpuset.cpus": ",".join(map(str, cores))} if cores else {},
    }
    applied = []
    for controller in controllers:
        try:
            for key, value in settings[controller].items():
                (path / key).write_text(value)
        except OSError as error:
            log.debug("cgroup v2 %s limit not applied: %s", controller, error)
            continue
        applied.append(controller)
    with suppress(OSError):  # absent without swap accounting: nothing to limit then
        (path / "memory.swap.max").write_text("0")
    return UnifiedCgroup(path=path, controllers=tuple(applied))
