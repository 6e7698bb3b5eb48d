"""The trusted evaluator runs confined like a run: student-made bytes reach nothing of the grader.

What code inside the evaluator could do (after a ``safe_mode`` bypass) is shown without one: a
stand-in server, a few lines of Python that speak the evaluator's protocol and report what they
can see, replaces ``evaluate.py`` in the evaluator's own client, so it is started, confined,
limited, fed, killed and replaced exactly as the real one. Each test runs under both layers
(a layer that does not work here is skipped), beside a near miss without isolation; one test
evaluates a real Keras model through the real, sandboxed server.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import importlib.util
import io
import json
import os
import socket
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from grader.harness.child.protocol import MAX_MODEL_BYTES
from grader.records import RunStatus
from grader.run.evaluator import SERVER, TrustedEvaluator, encode_request
from grader.run.local import LocalExecutor
from grader.sandbox.detect import LAYERS_VARIABLE, bubblewrap, detect_isolation, namespaces, probe
from grader.sandbox.isolation import NO_ISOLATION, NOBODY, Isolation
from grader.store.database import STORE_NAME, Store
from tests.sandbox_scripts import BASE, alive_with

ROOT = Path(__file__).resolve().parents[2]
TOKEN = "grader-evaluator-stand-in"
#: speaks the server's protocol; answers what it could see and do instead of evaluating
STAND_IN = f"# {TOKEN}\n" + r"""
import hashlib, json, os, socket, sys
print(json.dumps({"ready": True}), flush=True)
stdin = sys.stdin.buffer
while True:
    line = stdin.readline()
    if not line:
        break
    header = json.loads(line)
    model, inputs = stdin.read(header["model"]), stdin.read(header["inputs"])
    if model == b"hog":
        bytearray(header["labels"][0] << 20)  # megabytes past the memory limit
    if model == b"mute":
        stdin.read()  # never answers
    seen = {"ok": True, "uid": os.getuid(), "cwd": os.getcwd(), "read": [], "wrote": [],
            "net": os.readlink("/proc/self/ns/net"), "pid": os.readlink("/proc/self/ns/pid"),
            "sha256": hashlib.sha256(model + inputs).hexdigest(),
            "disk": os.statvfs(".").f_blocks * os.statvfs(".").f_frsize}
    for path in header["required"]:
        try:
            open(path, "rb").read(1)
            seen["read"].append(path)
        except OSError:
            pass
        try:
            open(path + ".escaped", "x").close()
            seen["wrote"].append(path)
        except OSError:
            pass
    with socket.socket() as tcp:
        tcp.settimeout(2)
        seen["loopback"] = tcp.connect_ex(("127.0.0.1", header["labels"][0])) == 0
    print(json.dumps(seen), flush=True)
"""


class StandIn(TrustedEvaluator):
    """The evaluator's client, sandbox and limits, with the stand-in as its server."""

    def command(self) -> list[str]:
        return [self.python, "-I", "-c", STAND_IN]


@functools.cache
def _working(kind: str) -> Isolation | None:
    made = {"bubblewrap": bubblewrap, "namespaces": namespaces}[kind]()
    return made if made is not None and probe(made) == "" else None


@pytest.fixture(params=("bubblewrap", "namespaces"))
def layer(request: pytest.FixtureRequest) -> Isolation:
    isolation = _working(request.param)
    if isolation is None:
        pytest.skip(f"the {request.param} layer does not work on this machine")
    return isolation


@dataclass(frozen=True)
class Grader:
    """What the grader holds: its store, its checkout, a service on its loopback."""

    store: Path
    port: int

    @property
    def private(self) -> list[str]:
        return [str(self.store), str(ROOT / "pyproject.toml"), os.path.join(sys.prefix, TOKEN)]


@pytest.fixture
def grader(tmp_path: Path) -> Iterator[Grader]:
    with Store.in_folder(tmp_path / "report") as store:
        store.set_meta(assignment="evaluator")
    (Path(sys.prefix) / TOKEN).unlink(missing_ok=True)
    with socket.socket() as tcp:
        tcp.bind(("127.0.0.1", 0))
        tcp.listen()
        made = Grader(store=tmp_path / "report" / STORE_NAME, port=tcp.getsockname()[1])
        try:
            yield made
        finally:
            for path in made.private:
                Path(path + ".escaped").unlink(missing_ok=True)


def ask(evaluator: TrustedEvaluator, grader: Grader, model: bytes = b"probe",
        number: int | None = None) -> dict[str, Any]:
    return evaluator.evaluate(model=model, inputs=b"rows", required=grader.private,
                              labels=[grader.port if number is None else number])


def own(namespace: str) -> str:
    return os.readlink(f"/proc/self/ns/{namespace}")


def test_the_evaluator_sees_nothing_of_the_grader(layer: Isolation, grader: Grader) -> None:
    evaluator = StandIn(isolation=layer)
    try:
        seen = ask(evaluator, grader)
    finally:
        evaluator.close()
    assert seen["ok"] and seen["sha256"] == hashlib.sha256(b"proberows").hexdigest()
    assert seen["net"] != own("net") and seen["pid"] != own("pid")
    assert seen["read"] == [] and seen["wrote"] == [] and seen["loopback"] is False
    assert seen["disk"] <= evaluator.limits.disk_mb << 20  # its work folder is a small tmpfs
    if os.geteuid() == 0:
        assert seen["uid"] == NOBODY
    assert not Path(seen["cwd"]).exists()  # the work folder went with it
    assert alive_with(TOKEN) == []


def test_without_isolation_the_same_server_reaches_the_grader(grader: Grader) -> None:
    """The near miss: unconfined (``--no-isolation``), the stand-in would see it all."""
    evaluator = StandIn(isolation=NO_ISOLATION)
    try:
        seen = ask(evaluator, grader)
    finally:
        evaluator.close()
    assert seen["net"] == own("net") and seen["loopback"] is True
    assert str(grader.store) in seen["read"] and str(grader.store) in seen["wrote"]
    assert not Path(seen["cwd"]).exists()


def test_a_model_past_the_memory_limit_kills_only_the_evaluator(
        layer: Isolation, grader: Grader) -> None:
    evaluator = StandIn(isolation=layer, memory_mb=256)
    try:
        assert ask(evaluator, grader)["ok"]
        first = evaluator.pid
        hog = ask(evaluator, grader, model=b"hog", number=512)
        assert hog["ok"] is False and "ended without an answer" in hog["why"]
        assert "256 MB" in hog["why"] and evaluator.pid is None
        again = ask(evaluator, grader)  # the next model gets a fresh evaluator
        assert again["ok"] and evaluator.pid not in (None, first)
    finally:
        evaluator.close()


def test_a_silent_evaluator_is_killed_and_replaced(layer: Isolation, grader: Grader) -> None:
    evaluator = StandIn(isolation=layer, timeout_s=3)
    try:
        mute = ask(evaluator, grader, model=b"mute")
        assert mute["ok"] is False and "did not answer in time" in mute["why"]
        assert alive_with(TOKEN) == []
        assert ask(evaluator, grader)["ok"]
    finally:
        evaluator.close()


def test_a_sandbox_that_is_not_built_is_the_graders_fault_in_words(grader: Grader) -> None:
    broken = Isolation(kind="bubblewrap", program="/bin/false", setpriv="/bin/false")
    answer = ask(StandIn(isolation=broken), grader)
    assert answer["ok"] is False and "bubblewrap sandbox of the evaluator was not built" in answer[
        "why"]


def test_blobs_past_the_protocol_bounds_never_reach_the_evaluator(grader: Grader) -> None:
    evaluator = StandIn(isolation=NO_ISOLATION)
    answer = ask(evaluator, grader, model=b"\0" * (MAX_MODEL_BYTES + 1))
    assert answer["ok"] is False and evaluator.pid is None
    evaluator.close()


def _server() -> ModuleType:
    spec = importlib.util.spec_from_file_location("evaluator_server_under_test", SERVER)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)  # standard library only: no TensorFlow here
    return module


def test_the_server_reads_the_requests_the_client_writes() -> None:
    server = _server()
    one = encode_request(model=b"M" * 5, inputs=b"I" * 3, labels=[1, 2], required=["Conv2D"])
    two = encode_request(model=b"", inputs=b"", labels=[], required=[])
    stream = io.BytesIO(one + two)
    header, model, inputs = server.read_request(stream)
    assert (model, inputs, header["labels"], header["required"]) == (
        b"MMMMM", b"III", [1, 2], ["Conv2D"])
    assert server.read_request(stream)[1:] == (b"", b"")
    assert server.read_request(stream) is None


@pytest.mark.parametrize("data", [
    b"not json\n",
    b'{"model": 1}\n',  # no inputs size
    json.dumps({"model": MAX_MODEL_BYTES + 1, "inputs": 0}).encode() + b"\n",
    b'{"model": true, "inputs": 0}\n',
    b'{"model": 4, "inputs": 0}\nabc',  # the blob cut short
    b'{"model": 0, "inputs": 0}',  # no end of line
])
def test_a_request_out_of_step_ends_the_server(data: bytes) -> None:
    server = _server()
    with pytest.raises(server.OutOfStep):
        server.read_request(io.BytesIO(data))


def test_the_executor_hands_its_isolation_to_the_evaluator(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """With bubblewrap hidden, the executor's runs and its evaluator both use namespaces."""
    if _working("namespaces") is None:
        pytest.skip("the namespaces layer does not work on this machine")
    monkeypatch.setenv(LAYERS_VARIABLE, "namespaces")
    spec = dataclasses.replace(BASE, script_text="print('hello')\n")
    with LocalExecutor(jobs=1, harness_child=False) as executor:
        [(_, outcome)] = list(executor.run([spec]))
        assert outcome.status is RunStatus.OK and outcome.isolated
        evaluator = executor._evaluator
        assert evaluator is not None and evaluator.isolation == detect_isolation()
        assert evaluator.isolation.kind == executor.isolation_kind == "namespaces"
        assert evaluator.limits.memory_mb == spec.memory_mb


def _descendants(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        for child in (task / "children").read_text().split():
            found += [int(child), *_descendants(int(child))]
    return found


@pytest.mark.tensorflow
def test_a_real_model_is_evaluated_by_the_sandboxed_server(tmp_path: Path) -> None:
    import keras
    import numpy as np

    isolation = detect_isolation()
    if not isolation.isolated:
        pytest.skip("no isolation works on this machine")
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(3)])
    model.set_weights([np.eye(4, 3, dtype=np.float32), np.zeros(3, np.float32)])  # 3 classes
    inputs = np.random.default_rng(0).random((40, 4), dtype=np.float32)
    labels = np.argmax(model.predict(inputs, verbose=0), axis=1)
    labels[:10] = (labels[:10] + 1) % 3  # a quarter wrong
    buffer = io.BytesIO()
    np.save(buffer, inputs)
    model.save(tmp_path / "model.keras")
    data = (tmp_path / "model.keras").read_bytes()
    evaluator = TrustedEvaluator(isolation=isolation)
    try:
        answer = evaluator.evaluate(model=data, inputs=buffer.getvalue(),
                                    labels=[int(y) for y in labels], required=["Dense"])
        assert answer == {"ok": True, "error_pct": 25.0, "params": 15, "required_works": True}
        assert evaluator.pid is not None
        [server] = {pid for pid in _descendants(evaluator.pid)  # not the layer's processes
                    if Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")[2:3]
                    == [str(SERVER).encode()]}
        assert os.readlink(f"/proc/{server}/ns/net") != own("net")
        uids = Path(f"/proc/{server}/status").read_text().split("Uid:")[1].split()[:4]
        if os.geteuid() == 0:
            assert uids == [str(NOBODY)] * 4
    finally:
        evaluator.close()
