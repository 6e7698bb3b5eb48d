"""cgroup v2, on a fake unified hierarchy in a temporary folder (this machine runs v1).

A real cgroup2 file system makes the interface files itself and accepts rmdir of a group that
still lists them; the fake one has plain files, so these tests check what the grader writes and
how it reads the accounts, not the kernel's side.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from grader.sandbox import cgroups_v2
from grader.sandbox.cgroups_v2 import UnifiedCgroup, delegate, make_unified, own_unified


def _hierarchy(tmp_path: Path, *, members: str, controllers: str = "cpuset cpu io memory pids",
               ) -> tuple[Path, Path, Path]:
    root = tmp_path / "cgroup"
    group = root / "user.slice" / "grading.scope"
    group.mkdir(parents=True)
    (group / "cgroup.controllers").write_text(controllers + "\n")
    (group / "cgroup.subtree_control").write_text("")
    (group / "cgroup.procs").write_text(members)
    proc = tmp_path / "proc-self-cgroup"
    proc.write_text("0::/user.slice/grading.scope\n")
    return root, group, proc


def _accumulating(monkeypatch: pytest.MonkeyPatch) -> None:
    """cgroup.subtree_control as the kernel keeps it: a write of "+name" adds one controller."""
    original = Path.write_text

    def write_text(self: Path, data: str, *args: object, **kwargs: object) -> int:
        if self.name == "cgroup.subtree_control" and data.startswith("+"):
            words = set(self.read_text().split()) | {data[1:]}
            return original(self, " ".join(sorted(words)))
        return original(self, data)

    monkeypatch.setattr(Path, "write_text", write_text)


def test_the_own_group_is_the_0_line_under_the_mount(tmp_path: Path) -> None:
    root, group, proc = _hierarchy(tmp_path, members="1\n")
    assert own_unified(root=root, proc_cgroup=proc) == group
    proc.write_text("4:memory:/x\n")  # v1 only: no unified group
    assert own_unified(root=root, proc_cgroup=proc) is None


def test_a_run_group_gets_its_limits_and_the_grader_moves_into_its_own_leaf(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _accumulating(monkeypatch)
    root, group, proc = _hierarchy(tmp_path, members=f"{os.getpid()}\n")
    made = make_unified(memory_mb=64, processes=32, cores=[1], root=root, proc_cgroup=proc)
    assert made is not None and made.path.parent == group
    assert set(made.controllers) == {"memory", "pids", "cpuset"}
    assert (made.path / "memory.max").read_text() == str(64 * 2**20)
    assert (made.path / "pids.max").read_text() == "32"
    assert (made.path / "cpuset.cpus").read_text() == "1"
    leaf = group / f"grader-{os.getpid()}-self"
    assert (leaf / "cgroup.procs").read_text() == str(os.getpid())  # no internal process
    assert set((group / "cgroup.subtree_control").read_text().split()) == {
        "memory", "pids", "cpuset"}
    assert made.procs_files == (str(made.path / "cgroup.procs"),)


def test_with_other_processes_in_the_group_the_grader_stays_and_runs_get_no_limits(
        tmp_path: Path) -> None:
    root, group, proc = _hierarchy(tmp_path, members=f"1\n{os.getpid()}\n")
    # the kernel refuses subtree_control here (EBUSY); a folder in its place refuses writes
    (group / "cgroup.subtree_control").unlink()
    (group / "cgroup.subtree_control").mkdir()
    assert delegate(group, pid=os.getpid()) == ()
    assert not (group / f"grader-{os.getpid()}-self").exists()


def test_the_accounts_are_read_from_the_v2_files(tmp_path: Path) -> None:
    group = UnifiedCgroup(path=tmp_path)
    assert group.cpu_s() is None and group.peak_memory_mb() is None and not group.oom_killed()
    (tmp_path / "cpu.stat").write_text("usage_usec 2500000\nuser_usec 2000000\n")
    (tmp_path / "memory.peak").write_text(str(300 * 2**20))
    (tmp_path / "memory.events").write_text("low 0\nhigh 0\nmax 4\noom 1\noom_kill 1\n")
    assert group.cpu_s() == 2.5 and group.peak_memory_mb() == 300.0 and group.oom_killed()
    (tmp_path / "memory.events").write_text("oom 0\noom_kill 0\n")  # the near miss
    assert not group.oom_killed()


def test_kill_all_writes_cgroup_kill_and_kills_the_listed_pids(tmp_path: Path) -> None:
    sleeper = subprocess.Popen(["sleep", "30"])
    try:
        (tmp_path / "cgroup.procs").write_text(f"{sleeper.pid}\n")
        UnifiedCgroup(path=tmp_path).kill_all(rounds=1)
        assert sleeper.wait(timeout=5) == -9
        assert (tmp_path / "cgroup.kill").read_text() == "1"
    finally:
        sleeper.kill()


def test_a_dead_graders_groups_are_swept_and_a_live_ones_kept(tmp_path: Path) -> None:
    done = subprocess.Popen(["true"])
    done.wait()
    stale = tmp_path / f"grader-{done.pid}-0123abcd"
    leaf = tmp_path / f"grader-{done.pid}-self"  # the dead grader's own leaf
    live = tmp_path / f"grader-{os.getpid()}-0123abcd"
    for path in (stale, leaf, live):
        path.mkdir()
    cgroups_v2.sweep_unified(tmp_path)
    # killed (a real group is then removed; the fake one now holds the file written)
    assert (stale / "cgroup.kill").read_text() == "1"
    assert (leaf / "cgroup.kill").read_text() == "1"
    assert list(live.iterdir()) == []


def test_no_unified_hierarchy_means_no_group(tmp_path: Path) -> None:
    proc = tmp_path / "cgroup"
    proc.write_text("0::/\n")
    assert make_unified(memory_mb=1, processes=1, cores=None, root=tmp_path / "none",
                        proc_cgroup=proc) is None
