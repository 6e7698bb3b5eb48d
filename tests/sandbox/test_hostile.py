"""Hostile scripts against every isolation layer: each must be contained, and the grader go on.

Every script (``tests/sandbox_scripts/hostile/``) exits long before TensorFlow would be imported,
so the whole module takes seconds. Each test runs under both layers, bubblewrap and util-linux
namespaces (a layer missing or not working here is skipped; CI has both), and after every run
checks what a trustworthy grader promises: the run ended with the right outcome, nothing of it
is left running, nothing was written outside its work folder, and the grader's store is intact.
A few near misses run the same script without isolation, to show the test would see an escape.
"""

from __future__ import annotations

import hashlib
import json
import os
import socket
import sqlite3
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from grader.records import RunOutcome, RunStatus
from grader.run.one import run_one
from grader.sandbox.isolation import NO_ISOLATION, Isolation, scrubbed_env
from grader.store.database import STORE_NAME, Store
from tests.sandbox_scripts import alive_with, script_spec

ROOT = Path(__file__).resolve().parents[2]


@dataclass
class Host:
    """What the grader's machine holds that no run may reach."""

    token: str
    tmp: Path
    out: Path
    other: Path
    port: int
    abstract: str
    outside: list[str] = field(default_factory=list)
    store_digest: str = ""

    @property
    def store(self) -> Path:
        return self.out / STORE_NAME

    def targets(self) -> dict[str, Any]:
        return {"grader_pid": os.getpid(), "token": self.token, "port": self.port,
                "abstract": self.abstract, "outside": self.outside, "store": str(self.store),
                "private": [str(self.out), str(self.other), str(ROOT), str(self.tmp)]}


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def host(tmp_path: Path) -> Iterator[Host]:
    token = f"grader-hostile-{uuid.uuid4().hex}"
    out = tmp_path / "report"
    with Store.in_folder(out) as store:
        store.set_meta(assignment="hostile")
    other = tmp_path / "class" / "bob"
    other.mkdir(parents=True)
    (other / "task1.py").write_text("print('bob')\n")
    with socket.socket() as tcp, socket.socket(socket.AF_UNIX) as unix:
        tcp.bind(("127.0.0.1", 0))
        tcp.listen()
        unix.bind("\0" + token)
        unix.listen()
        made = Host(token=token, tmp=tmp_path, out=out, other=other,
                    port=tcp.getsockname()[1], abstract=token)
        made.outside = [str(tmp_path / "escaped"), str(out / "escaped"), f"/tmp/{token}",
                        f"/var/tmp/{token}", os.path.expanduser(f"~/{token}"),
                        str(ROOT / token), os.path.join(sys.prefix, token)]
        made.store_digest = _digest(made.store)
        try:
            yield made
        finally:
            for path in made.outside:
                if os.path.exists(path):
                    os.unlink(path)


def attack(script: str, host: Host, isolation: Isolation, *, contained: bool = True,
           harness_child: bool = False, **fields: Any) -> RunOutcome:
    """Run one hostile script; when ``contained``, check the promises that hold for every run."""
    spec = script_spec(f"hostile/{script}", {"TARGETS = {}": f"TARGETS = {host.targets()!r}"},
                       **fields)
    outcome = run_one(spec, isolation=isolation, harness_child=harness_child)
    if contained:
        deadline = time.monotonic() + 3
        while alive_with(host.token) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert alive_with(host.token) == [], "a process of the run outlived it"
        assert [p for p in host.outside if os.path.exists(p)] == [], "written outside"
        assert _digest(host.store) == host.store_digest
        with sqlite3.connect(host.store) as db:
            assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    return outcome


def _printed(outcome: RunOutcome) -> Any:
    assert outcome.status is RunStatus.OK, (outcome.note, outcome.stderr[-2000:])
    return json.loads(outcome.stdout.strip().splitlines()[-1])


def test_the_grader_cannot_be_signalled(layer: Isolation, host: Host) -> None:
    result = _printed(attack("kill_parent.py", host, layer))
    assert result["grader"] != "sent"  # not even visible: its pid is of another namespace
    # the run's parent is the sandbox's init: the signal is refused or dropped, the run goes on


def _graders_environment() -> list[str]:
    """The grader's own variables as /proc shows them (its environment at start), none of
    which a run is given."""
    given = scrubbed_env(workdir=Path("/"), threads=1)
    entries = Path("/proc/self/environ").read_bytes().decode(errors="replace").split("\0")
    return [e for e in entries if "=" in e and e.split("=")[0] not in given]


def test_the_graders_environment_and_command_line_are_unreadable(
        layer: Isolation, host: Host) -> None:
    outcome = attack("read_environ.py", host, layer)
    result = _printed(outcome)
    leaked = [e for e in _graders_environment() if json.dumps(e)[1:-1] in outcome.stdout]
    assert leaked == [] and "pytest" not in outcome.stdout
    assert result["grader environ"] in ("FileNotFoundError", "PermissionError")
    near = attack("read_environ.py", host, NO_ISOLATION, contained=False)  # the near miss
    assert [e for e in _graders_environment() if json.dumps(e)[1:-1] in near.stdout]


def _bound_below(isolation: Isolation, folder: str) -> set[str]:
    """The names a listing of ``folder`` may show: the first step to a path bound read-only."""
    found = set()
    for path in isolation.read_only:
        if path.startswith(folder.rstrip("/") + "/"):
            found.add(path[len(folder.rstrip("/")) + 1:].split("/")[0])
    return found


def test_homes_the_checkout_the_output_and_other_hand_ins_are_out_of_sight(
        layer: Isolation, host: Host) -> None:
    result = _printed(attack("list_private.py", host, layer))
    for folder, seen in result.items():
        visible = set(seen) if isinstance(seen, list) else set()
        assert visible <= _bound_below(layer, folder), (folder, seen)
    assert result[str(host.out)] == "FileNotFoundError"
    assert result[str(host.other)] == "FileNotFoundError"


def test_the_network_is_cut_loopback_and_abstract_sockets_included(
        layer: Isolation, host: Host) -> None:
    result = _printed(attack("connect_local.py", host, layer))
    assert result["tcp"] != "connected" and result["abstract"] != "connected"
    near = _printed(attack("connect_local.py", host, NO_ISOLATION, contained=False))
    assert near == {"tcp": "connected", "abstract": "connected"}


def test_nothing_is_writable_outside_the_work_folder(layer: Isolation, host: Host) -> None:
    result = _printed(attack("write_outside.py", host, layer))
    assert "written" not in result.values()


def test_the_store_cannot_be_written(layer: Isolation, host: Host) -> None:
    result = _printed(attack("sqlite_store.py", host, layer))
    assert result["store"] != "written"


def test_a_daemon_cannot_leave_the_runs_cgroups(layer: Isolation, host: Host) -> None:
    result = _printed(attack("cgroup_escape.py", host, layer))
    assert result["cgroup files"] == []  # no cgroup file system inside; and nothing left running


def test_a_reparented_orphan_in_its_own_session_dies_with_the_run(
        layer: Isolation, host: Host) -> None:
    _printed(attack("setsid_reparent.py", host, layer))


@pytest.mark.parametrize("how, amount, full", [
    ("bytes", {"megabytes": 24}, True), ("bytes", {"megabytes": 4}, False),
    ("files", {"files": 400}, True), ("files", {"files": 100}, False),
])
def test_filling_the_work_folder_is_the_students_finding(
        layer: Isolation, host: Host, how: str, amount: dict[str, int], full: bool) -> None:
    host_targets = host.targets
    host.targets = lambda: {**host_targets(), "how": how, **amount}  # type: ignore[method-assign]
    outcome = attack("fill_disk.py", host, layer, disk_mb=16, inodes=256)
    if full:
        assert outcome.status is RunStatus.FAILED, outcome
        assert outcome.note == "filled its work folder (the limit is 16 MB and 256 files)"
    else:  # the near miss
        assert outcome.status is RunStatus.OK and outcome.stdout == "filled\n", outcome.stderr


def test_ptrace_reaches_neither_the_parent_nor_the_grader(layer: Isolation, host: Host) -> None:
    result = _printed(attack("ptrace_parent.py", host, layer))
    assert "attached" not in result.values()


def test_the_mounts_show_no_cgroup_and_nothing_writable_but_the_work_folder(
        layer: Isolation, host: Host) -> None:
    outcome = attack("mountinfo.py", host, layer)
    mounts = _printed(outcome)
    assert not [m for m in mounts if m["type"] in ("cgroup", "cgroup2")]
    assert str(host.out) not in outcome.stdout and str(host.tmp) not in outcome.stdout
    writable = {m["point"] for m in mounts if m["options"].split(",")[0] == "rw"
                and m["type"] in ("tmpfs", "ext4", "xfs", "btrfs", "overlay")}
    workdir = next(m["point"] for m in mounts if m["point"].startswith("/tmp/grader-work-"))
    assert writable <= {workdir, "/dev/shm"}, writable


def test_resource_limits_cannot_be_raised_back(layer: Isolation, host: Host) -> None:
    result = _printed(attack("setrlimit_raise.py", host, layer))
    for name in ("RLIMIT_DATA", "RLIMIT_FSIZE", "RLIMIT_CORE"):
        assert result[name] != "raised", name


def test_a_huge_argument_list_ends_the_attempt_not_the_grader(
        layer: Isolation, host: Host) -> None:
    assert _printed(attack("huge_argv.py", host, layer))["argv"] in ("ran", "OSError")


def test_garbage_on_the_facts_channel_is_never_taken_for_facts(
        layer: Isolation, host: Host) -> None:
    outcome = attack("facts_channel.py", host, layer, harness_child=True)
    assert outcome.status is RunStatus.OK, outcome.stderr[-2000:]
    assert outcome.facts is None or outcome.facts.models == ()


def test_the_dataset_copy_cannot_be_replaced(layer: Isolation, host: Host) -> None:
    outcome = attack("touch_dataset.py", host, layer)
    result = _printed(outcome)
    assert result["remove"] != "done" and result["write"] != "done"
    assert outcome.dataset_intact
