"""A grader killed by ``kill -9`` takes its runs with it, and the next one sweeps what is left.

Under a layer the run's pid namespace dies with the layer's process, which the kernel kills when
the grader dies (``PR_SET_PDEATHSIG``); without one only the run's direct child gets that
signal, and the next grader's cgroup sweep kills the rest. Either way the next grader removes
the dead one's work folders and cgroups.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

from grader.sandbox.cgroups import GROUP_NAME, _sweep_once, own_cgroup
from grader.sandbox.detect import bubblewrap, namespaces, probe
from grader.sandbox.workdirs import sweep_workdirs
from tests.sandbox_scripts import alive_with

ROOT = Path(__file__).resolve().parents[2]
GRADER = """
import os
import sys
from grader.run.one import run_one
from grader.sandbox.detect import detect_isolation
from grader.sandbox.isolation import NO_ISOLATION
from tests.sandbox_scripts import script_spec

kind, token = sys.argv[1], os.environ["DEATH_TOKEN"]  # not in this command line
isolation = NO_ISOLATION if kind == "none" else detect_isolation((kind,))
assert isolation.kind == kind, isolation
spec = script_spec("hostile/linger.py", {"TARGETS = {}": f"TARGETS = {{'token': {token!r}}}"},
                   timeout_s=120.0)
run_one(spec, isolation=isolation, harness_child=False)
"""
CONTROLLERS = ("memory", "pids", "cpuset", "cpuacct")


def _usable(kind: str) -> bool:
    if kind == "none":
        return own_cgroup("pids") is not None and os.access(own_cgroup("pids") or "/", os.W_OK)
    made = {"bubblewrap": bubblewrap, "namespaces": namespaces}[kind]()
    return made is not None and probe(made) == ""


def _groups_of(pid: int) -> list[Path]:
    found = []
    for controller in CONTROLLERS:
        parent = own_cgroup(controller)
        if parent is not None:
            found += [p for p in parent.iterdir() if (m := GROUP_NAME.fullmatch(p.name))
                      and int(m.group(1)) == pid]
    return found


def _wait(condition: object, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():  # type: ignore[operator]
            return True
        time.sleep(0.05)
    return False


@pytest.mark.parametrize("kind", ["bubblewrap", "namespaces", "none"])
def test_a_killed_graders_runs_die_and_the_next_sweeps_its_folders_and_groups(
        kind: str, tmp_path: Path) -> None:
    if not _usable(kind):
        pytest.skip(f"{kind} is not usable here (for none: no writable cgroups to sweep with)")
    token = f"grader-death-{uuid.uuid4().hex}"
    env = {**os.environ, "PYTHONPATH": str(ROOT), "TMPDIR": str(tmp_path), "DEATH_TOKEN": token}
    grader = subprocess.Popen([sys.executable, "-c", GRADER, kind], cwd=ROOT, env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        assert _wait(lambda: alive_with(token), 30), "the run never started"
        os.kill(grader.pid, signal.SIGKILL)
        grader.wait()
        folders = [p for p in tmp_path.iterdir()
                   if p.name.startswith(f"grader-work-{grader.pid}-")]
        assert folders, "the dead grader's work folder should still be there"
        if kind != "none":  # the pid namespace died with the layer's process
            assert _wait(lambda: not alive_with(token), 5), "the run outlived its grader"
        # the next grader's start: its sweeps
        assert sweep_workdirs.__wrapped__(str(tmp_path)) == tuple(p.name for p in folders)
        assert not any(p.exists() for p in folders)
        for parent in {p.parent for p in _groups_of(grader.pid)}:
            _sweep_once.__wrapped__(parent)
        assert _wait(lambda: not alive_with(token), 5), "left running after the sweep"
        assert _wait(lambda: not _groups_of(grader.pid), 5)
    finally:
        grader.kill()
        for pid in alive_with(token):
            os.kill(pid, signal.SIGKILL)
