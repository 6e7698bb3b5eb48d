"""The isolating wrapper, the child's environment and limits, and the cgroups (small scripts)."""

from __future__ import annotations

import dataclasses
import json
import os
import shutil
import socket
import subprocess
import sys
import time
import warnings
from collections.abc import Sequence
from pathlib import Path

import pytest

from grader import harness
from grader.harness import CHILD_DIR, CHILD_PATH
from grader.records import RunStatus
from grader.run.one import run_one
from grader.sandbox.cgroups import _sweep_once, make_cgroups, own_cgroup
from grader.sandbox.detect import _detect, bubblewrap, detect_isolation, namespaces, probe
from grader.sandbox.isolation import (
    INSIDE,
    NO_ISOLATION,
    STAGE_MOUNT,
    Isolation,
    WorkFolder,
    _ancestors,
    python_paths,
    scrubbed_env,
)
from tests.sandbox_scripts import script_spec

needs_isolation = pytest.mark.skipif(
    not detect_isolation().isolated, reason="no isolation layer works on this machine"
)


def _cgroups(*controllers: str) -> bool:
    groups = make_cgroups(memory_mb=64, processes=8, cores=None)
    try:
        return all(c in groups.controllers for c in controllers)
    finally:
        groups.remove()


def test_the_environment_is_built_from_nothing(tmp_path: Path) -> None:
    env = scrubbed_env(workdir=tmp_path, threads=3)
    assert env["HOME"] == env["MPLCONFIGDIR"] == str(tmp_path)
    assert env["TF_NUM_INTEROP_THREADS"] == env["OMP_NUM_THREADS"] == "3"
    assert env["CUDA_VISIBLE_DEVICES"] == "" and env["MPLBACKEND"] == "Agg"
    assert "PYTHONHASHSEED" not in env and "VIRTUAL_ENV" not in env
    assert scrubbed_env(workdir=tmp_path, threads=0)["OMP_NUM_THREADS"] == "1"


def _under(path: Path, folders: Sequence[str]) -> bool:
    return any(str(path) == f or str(path).startswith(f.rstrip("/") + "/") for f in folders)


def test_python_paths_bind_the_installation_and_the_harness_once() -> None:
    paths = python_paths()
    assert any(sys.base_prefix == p or sys.base_prefix.startswith(p + "/") for p in paths)
    assert _under(CHILD_DIR, paths)
    assert not any(a != b and b.startswith(a + "/") for a in paths for b in paths)


def test_python_paths_bind_the_child_harness_not_the_parent_side() -> None:
    paths = python_paths()
    assert _under(CHILD_PATH, paths) and _under(CHILD_DIR / "protocol.py", paths)
    assert not _under(Path(harness.__file__), paths)  # the parent side of the harness
    assert not _under(Path(run_one.__code__.co_filename), paths)


@needs_isolation
def test_a_run_sees_the_child_harness_and_no_other_grader_code() -> None:
    child = [CHILD_PATH, CHILD_DIR / "protocol.py"]
    parent = [Path(harness.__file__), Path(run_one.__code__.co_filename),
              CHILD_DIR.parent.parent / "__init__.py", INSIDE]  # the sandbox's own step too
    spec = script_spec("visible.py", {"PATHS: list[str] = []":
                                      f"PATHS = {[str(p) for p in child + parent]!r}"})
    isolated = run_one(spec, isolation=detect_isolation(), harness_child=False)
    assert isolated.status is RunStatus.OK, isolated.stderr
    assert isolated.stdout.splitlines() == (
        [f"seen {p}" for p in child] + [f"hidden {p}" for p in parent])
    bare = run_one(spec, isolation=NO_ISOLATION, harness_child=False)  # the near miss
    assert bare.stdout.splitlines() == [f"seen {p}" for p in child + parent]


def test_ancestors_are_the_folders_above_and_not_the_bound_paths() -> None:
    assert _ancestors(["/a/b/c", "/a/d", "/a/b"]) == ["/a"]
    assert _ancestors(["/x"]) == []


def test_no_isolation_runs_the_command_as_it_is(tmp_path: Path) -> None:
    assert NO_ISOLATION.wrap(["python", "x.py"], work=WorkFolder(tmp_path)) == ["python", "x.py"]
    assert not NO_ISOLATION.isolated


def _config(argv: list[str]) -> dict[str, object]:
    return json.loads(argv[-1])  # type: ignore[no-any-return]


@pytest.mark.skipif(shutil.which("bwrap") is None, reason="bubblewrap is not installed")
def test_bubblewrap_cuts_the_network_and_stages_the_work_folder(tmp_path: Path) -> None:
    isolation = bubblewrap()
    assert isolation is not None
    argv = isolation.wrap(["python", "x.py"], work=WorkFolder(tmp_path, ("x.py",), 64, 100))
    for flag in ("--unshare-net", "--unshare-pid", "--die-with-parent", "--new-session"):
        assert flag in argv
    assert ["--ro-bind", str(tmp_path), STAGE_MOUNT] == argv[argv.index(STAGE_MOUNT) - 2:][:3]
    assert "--bind" not in argv  # nothing of the host is writable
    config = _config(argv)
    assert config["argv"] == ["python", "x.py"] and config["layer"] == "bubblewrap"
    assert (config["disk_mb"], config["inodes"], config["files"]) == (64, 100, ["x.py"])


@pytest.mark.skipif(shutil.which("unshare") is None, reason="util-linux unshare is missing")
def test_the_namespaces_layer_unshares_everything_and_dies_with_the_grader(
        tmp_path: Path) -> None:
    isolation = namespaces()
    assert isolation is not None
    argv = isolation.wrap(["python", "x.py"], work=WorkFolder(tmp_path))
    for flag in ("--mount", "--pid", "--net", "--ipc", "--uts", "--cgroup", "--kill-child"):
        assert flag in argv
    assert ("--map-root-user" in argv) is (os.geteuid() != 0)
    assert _config(argv)["stage"] == str(tmp_path)


def test_no_working_layer_is_none_with_every_reason(monkeypatch: pytest.MonkeyPatch) -> None:
    broken = Isolation(kind="bubblewrap", program="/bin/false", setpriv="/bin/false",
                       read_only=python_paths())
    assert probe(broken) != ""
    monkeypatch.setattr("grader.sandbox.detect.bubblewrap", lambda: broken)
    monkeypatch.setattr("grader.sandbox.detect.namespaces", lambda: None)
    fallback = _detect.__wrapped__(("bubblewrap", "namespaces"))
    assert fallback.kind == "none" and not fallback.isolated
    assert "bubblewrap: " in fallback.warning and "namespaces: not installed" in fallback.warning


def test_the_layers_tried_can_be_narrowed(monkeypatch: pytest.MonkeyPatch) -> None:
    from grader.sandbox.detect import LAYERS_VARIABLE, wanted_layers

    monkeypatch.setenv(LAYERS_VARIABLE, "namespaces")
    assert wanted_layers() == ("namespaces",)
    monkeypatch.setenv(LAYERS_VARIABLE, "")
    assert wanted_layers() == ("bubblewrap", "namespaces")


@needs_isolation
def test_the_probe_passes_on_this_machine() -> None:
    isolation = detect_isolation()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert probe(isolation) == ""


def _listening() -> socket.socket:
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()
    return server


@needs_isolation
def test_the_network_is_cut_under_isolation() -> None:
    with _listening() as server:
        port = server.getsockname()[1]
        spec = script_spec("connect.py", {"PORT = 0": f"PORT = {port}"})
        isolated = run_one(spec, isolation=detect_isolation(), harness_child=False)
        bare = run_one(spec, isolation=NO_ISOLATION, harness_child=False)  # the near miss
    assert isolated.isolated and isolated.stdout.startswith("refused")
    assert not bare.isolated and bare.stdout == "connected\n"


@needs_isolation
def test_files_outside_the_work_folder_are_not_writable(tmp_path: Path) -> None:
    target = tmp_path / "escaped.txt"
    spec = script_spec("write_outside.py", {'TARGET = "target"': f"TARGET = {str(target)!r}"})
    outcome = run_one(spec, isolation=detect_isolation(), harness_child=False)
    assert outcome.status is RunStatus.OK, outcome.stderr
    assert outcome.stdout.endswith("scratch ok\n") and not target.exists()
    bare = run_one(spec, isolation=NO_ISOLATION, harness_child=False)  # the near miss
    assert bare.stdout.startswith("written") and target.read_text() == "escaped"


@needs_isolation
def test_the_run_drops_to_an_unprivileged_uid_in_a_writable_work_folder() -> None:
    isolation = detect_isolation()
    outcome = run_one(script_spec("environment.py"), isolation=isolation, harness_child=False)
    assert outcome.status is RunStatus.OK
    assert f'"uid": {isolation.uid if isolation.uid is not None else ""}' in outcome.stdout


def test_a_fork_storm_is_contained_and_the_grader_goes_on() -> None:
    isolation = detect_isolation()
    if not (_cgroups("pids") or (isolation.isolated and isolation.uid is not None)):
        pytest.skip("a fork storm is contained only by a pids cgroup or RLIMIT_NPROC")
    started = time.monotonic()
    outcome = run_one(script_spec("fork_storm.py", processes=32, timeout_s=2.0),
                      isolation=isolation, harness_child=False)
    assert outcome.status is RunStatus.TIMEOUT
    assert time.monotonic() - started < 8
    after = run_one(script_spec("clean.py"), isolation=isolation, harness_child=False)
    assert after.status is RunStatus.OK


@pytest.mark.skipif(not _cgroups("memory"), reason="no writable memory cgroup")
def test_a_tree_over_the_memory_cgroup_is_killed_as_memory() -> None:
    over = run_one(script_spec("tree_hog.py", memory_mb=200), harness_child=False)
    assert over.status is RunStatus.MEMORY, over
    assert "out-of-memory" in over.note
    under = run_one(script_spec("tree_hog.py", {"MEGABYTES = 90": "MEGABYTES = 20"},
                                memory_mb=200), harness_child=False)  # the near miss
    assert under.status is RunStatus.OK, under


def test_cgroups_are_removed_after_use() -> None:
    groups = make_cgroups(memory_mb=64, processes=8, cores=[0])
    paths = list(groups.folders)
    groups.remove()
    assert not any(path.exists() for path in paths)


@pytest.mark.tensorflow
@needs_isolation
def test_tensorflow_imports_and_computes_under_isolation() -> None:
    spec = dataclasses.replace(
        script_spec("clean.py"), timeout_s=120.0, memory_mb=4096, processes=512,
        script_text="import tensorflow as tf\nprint(int(tf.reduce_sum(tf.ones((3, 4)))))\n",
    )
    outcome = run_one(spec, isolation=detect_isolation())
    assert outcome.status is RunStatus.OK, outcome.stderr[-2000:]
    assert outcome.isolated and outcome.stdout.strip().endswith("12")
    assert outcome.facts is not None


@pytest.mark.skipif(not _cgroups("pids"), reason="no writable pids cgroup")
def test_empty_groups_of_a_dead_grader_are_swept_and_live_ones_kept() -> None:
    parent = own_cgroup("pids")
    assert parent is not None
    child = subprocess.Popen(["true"])
    child.wait()  # its pid now names no process: a grader that died
    dead_pid = child.pid
    stale = parent / f"grader-{dead_pid}-0123abcd"
    live = parent / f"grader-{os.getpid()}-0123abcd"
    for path in (stale, live):
        path.mkdir()
    try:
        _sweep_once.__wrapped__(parent)
        assert not stale.exists() and live.exists()
    finally:
        for path in (stale, live):
            if path.exists():
                path.rmdir()


def test_paths_under_tmp_are_bound_onto_the_fresh_tmp_not_hidden_by_it(tmp_path: Path) -> None:
    """A checkout or venv under /tmp stays visible: the tmpfs comes before the read-only binds."""
    venv = "/tmp/somewhere/.venv"
    isolation = Isolation(kind="bubblewrap", program="/usr/bin/bwrap", setpriv="/usr/bin/setpriv",
                          read_only=("/usr", venv))
    argv = isolation.wrap(["python", "x.py"], work=WorkFolder(tmp_path))
    pairs = list(zip(argv, argv[1:], strict=False))
    assert pairs.index(("--tmpfs", "/tmp")) < pairs.index(("--ro-bind", venv))
    assert pairs.index(("--ro-bind", venv)) < pairs.index(("--remount-ro", "/tmp"))
