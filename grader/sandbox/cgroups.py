"""One run's cgroups: v1 groups (memory, pids, cpuset, cpuacct) or one v2 group, where allowed.

Made under the grader's own groups when a hierarchy is present and writable (detected, never
required: ``make_cgroups`` returns an empty ``Cgroups`` elsewhere); v1 where its controllers
are mounted, else the unified v2 hierarchy (``grader.sandbox.cgroups_v2``). They contain a fork
storm even as root (``RLIMIT_NPROC`` does not count for root), cap and account the whole process
tree's memory, count its CPU time exactly, and list every process to kill at the end, even those
that left the process group. Inside the sandbox the cgroup file system is absent (not mounted),
so no run can leave its groups.
"""

from __future__ import annotations

import functools
import logging
import os
import re
import time
import uuid
from collections.abc import Mapping, Sequence
from contextlib import suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from grader.sandbox.cgroups_v2 import kill_members, make_unified
from grader.sandbox.workdirs import alive

log = logging.getLogger(__name__)

CGROUP_ROOT = Path("/sys/fs/cgroup")
PROC_CGROUP = Path("/proc/self/cgroup")


class RunGroups(Protocol):
    """What the supervisor needs of a run's groups, v1 or v2."""

    @property
    def procs_files(self) -> tuple[str, ...]: ...

    @property
    def controllers(self) -> tuple[str, ...]: ...

    @property
    def folders(self) -> tuple[Path, ...]: ...

    def pids(self) -> set[int]: ...

    def kill_all(self, *, rounds: int = 50) -> None: ...

    def oom_killed(self) -> bool: ...

    def cpu_s(self) -> float | None: ...

    def peak_memory_mb(self) -> float | None: ...

    def remove(self) -> None: ...
GROUP_NAME = re.compile(r"grader-(\d+)-[0-9a-f]{8}")  # a run's group: the grader's pid, a tag


@dataclass
class Cgroups:
    """One run's cgroup v1 groups (memory, pids, cpuset, cpuacct), under the grader's own groups."""

    paths: dict[str, Path] = field(default_factory=dict)

    @property
    def procs_files(self) -> tuple[str, ...]:
        return tuple(str(path / "cgroup.procs") for path in self.paths.values())

    @property
    def controllers(self) -> tuple[str, ...]:
        return tuple(self.paths)

    @property
    def folders(self) -> tuple[Path, ...]:
        return tuple(self.paths.values())

    def pids(self) -> set[int]:
        """Every process still in the run's groups (any controller)."""
        found: set[int] = set()
        for path in self.paths.values():
            try:
                found.update(int(p) for p in (path / "cgroup.procs").read_text().split())
            except (OSError, ValueError):
                continue
        return found

    def kill_all(self, *, rounds: int = 50) -> None:
        """SIGKILL every member until none is left (forks racing the kill are caught next round)."""
        kill_members(self.pids, rounds=rounds)

    def oom_killed(self) -> bool:
        """Whether the kernel's OOM killer killed a process of this run's memory group."""
        path = self.paths.get("memory")
        if path is None:
            return False
        with suppress(OSError, ValueError):
            for line in (path / "memory.oom_control").read_text().splitlines():
                key, _, value = line.partition(" ")
                if key == "oom_kill" and int(value) > 0:
                    return True
            # older kernels have no oom_kill counter: a hit limit is the next best sign
            return int((path / "memory.failcnt").read_text()) > 0
        return False

    def cpu_s(self) -> float | None:
        """CPU time (user + system) of every process the run ever had, or None without cpuacct.

        Exact even where ``wait4``'s rusage is not: bubblewrap's outer process does not reap the
        run's processes, so their time never reaches the grader's rusage.
        """
        path = self.paths.get("cpuacct")
        with suppress(OSError, ValueError):
            return int(_read(path / "cpuacct.usage")) / 1e9 if path else None
        return None

    def peak_memory_mb(self) -> float | None:
        """The memory group's peak charge (resident memory plus page cache it caused), or None."""
        path = self.paths.get("memory")
        with suppress(OSError, ValueError):
            return int(_read(path / "memory.max_usage_in_bytes")) / 2**20 if path else None
        return None

    def remove(self) -> None:
        for path in self.paths.values():
            for _ in range(100):  # rmdir fails while the last killed process is being reaped
                try:
                    path.rmdir()
                    break
                except FileNotFoundError:
                    break
                except OSError:
                    time.sleep(0.02)


def own_cgroup(controller: str) -> Path | None:
    """Where this process sits in a v1 ``controller`` hierarchy, if mounted."""
    mount = CGROUP_ROOT / controller
    try:
        lines = Path("/proc/self/cgroup").read_text().splitlines()
    except OSError:
        return None
    for line in lines:
        _, controllers, relative = line.split(":", 2)
        if controller in controllers.split(","):
            path = mount / relative.lstrip("/")
            return path if path.is_dir() else None
    return None


def make_cgroups(*, memory_mb: int, processes: int, cores: Sequence[int] | None) -> RunGroups:
    """The run's v1 groups, else its v2 group, else an empty ``Cgroups`` (never raises)."""
    groups = make_v1(memory_mb=memory_mb, processes=processes, cores=cores)
    if groups.paths:
        return groups
    unified = make_unified(memory_mb=memory_mb, processes=processes, cores=cores,
                           root=CGROUP_ROOT, proc_cgroup=PROC_CGROUP)
    return unified if unified is not None else groups


def make_v1(*, memory_mb: int, processes: int, cores: Sequence[int] | None) -> Cgroups:
    """The run's v1 groups, or an empty ``Cgroups`` where they cannot be made (never raises).

    The memory group caps the whole tree at ``memory_mb`` (RLIMIT_DATA caps each process);
    ``pids.max`` is ``processes`` (threads count, as for RLIMIT_NPROC).
    """
    groups = Cgroups()
    name = f"grader-{os.getpid()}-{uuid.uuid4().hex[:8]}"
    settings: Mapping[str, Mapping[str, str]] = {
        "memory": {"memory.limit_in_bytes": str(memory_mb * 1024 * 1024)},
        "pids": {"pids.max": str(processes)},
        "cpuset": {},
        "cpuacct": {},
    }
    for controller, values in settings.items():
        parent = own_cgroup(controller)
        if parent is None:
            continue
        _sweep_once(parent)
        path = parent / name
        try:
            path.mkdir()
        except OSError:
            continue
        try:
            if controller == "cpuset":
                cpus = ",".join(map(str, cores)) if cores else _read(parent / "cpuset.cpus")
                values = {"cpuset.cpus": cpus, "cpuset.mems": _read(parent / "cpuset.mems")}
            for key, value in values.items():
                (path / key).write_text(value)
        except OSError as error:
            log.debug("cgroup %s unusable: %s", path, error)
            with suppress(OSError):
                path.rmdir()
            continue
        groups.paths[controller] = path
    return groups


@functools.cache
def _sweep_once(parent: Path) -> None:
    """Kill and remove the run groups under ``parent`` left by graders that died (SIGKILLed).

    A killed grader cannot remove its groups; the next one does, once per process. Only groups
    of a pid that no longer exists are touched: whatever is still in them belonged to a dead
    grader's run and is killed (the run's own death signal should have seen to it already). A
    group whose grader is alive (or whose pid was reused) is left alone.
    """
    with suppress(OSError):
        for path in parent.iterdir():
            match = GROUP_NAME.fullmatch(path.name)
            if match is None or not path.is_dir() or alive(int(match.group(1))):
                continue
            Cgroups(paths={"swept": path}).kill_all(rounds=5)
            with suppress(OSError):  # raced by another grader's sweep
                path.rmdir()


def _read(path: Path) -> str:
    return path.read_text().strip()
