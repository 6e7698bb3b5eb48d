"""The test rows are withheld until the model has left (issue 10): the run's dataset copy holds
decoys where its test rows are, and the checkpoint's exchange hands the real rows over only
after the model, and the labels only after the inputs. No TensorFlow: the protocol is driven
by a real harness child running a numpy script, and by hand-made children that break it.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import os
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

from grader.harness import command, decode_facts
from grader.harness.child.protocol import MAX_HEADER_BYTES
from grader.records import RunTrust
from grader.run.exchange import Exchange
from grader.run.trust import withhold
from grader.sandbox.workdirs import memory_file

TRUST = RunTrust(split_call="numpy.random.permutation", split_lines=(9,), test_start=4,
                 test_stop=None, evaluate_line=14, required_layer="convolution")
ROWS = 8
LINES = [bytes(48 + (i * 7 + j * 13) % 3 // 2 for j in range(784)) + f" {i % 10}".encode()
         for i in range(ROWS)] + [b""]
ORDER = [5, 0, 7, 2, 6, 1, 3, 4]  # the test rows: 6, 1, 3, 4

SCRIPT = """\
import numpy as np

with open("dataset.txt") as dataset_file:
    rows = [line.split() for line in dataset_file if line.strip()]
images = np.array([[int(p) for p in bits] for bits, _ in rows], dtype=np.float32)
images = images.reshape(-1, 28, 28)
labels = np.array([int(label) for _, label in rows], dtype=np.int64)

order = np.random.permutation(len(images))
test_x, test_y = images[order[4:]], labels[order[4:]]
during = test_x.copy(), test_y.copy()
model = None

if model is None:
    print(json.dumps([during[0].tolist(), during[1].tolist(), test_x.tolist(), test_y.tolist()]))
"""


def real_rows() -> tuple[list[list[list[float]]], list[int]]:
    test = ORDER[4:]
    images = [[[float(c - 48) for c in LINES[i].split()[0][r * 28:(r + 1) * 28]]
               for r in range(28)] for i in test]
    return images, [int(LINES[i].split()[1]) for i in test]


def test_the_copy_has_decoys_exactly_where_the_test_rows_are() -> None:
    withheld = withhold(LINES, ORDER, TRUST)
    copy = withheld.copy.split(b"\n")
    assert len(copy) == len(LINES) and copy[-1] == b""
    for i, (line, decoy) in enumerate(zip(LINES, copy, strict=True)):
        if i in ORDER[4:]:
            pixels, label = decoy.split()
            assert len(pixels) == 784 and set(pixels) <= set(b"01") and label.isdigit()
            assert pixels != line.split()[0]
        else:
            assert decoy == line
    assert withheld.rows == 4 and withheld.labels == tuple(real_rows()[1])
    assert withheld.images == b"".join(LINES[i].split()[0] for i in ORDER[4:]).translate(
        bytes.maketrans(b"01", b"\0\1"))


def test_the_script_holds_decoys_while_it_trains_and_the_real_rows_at_the_evaluation(
        tmp_path: Path) -> None:
    withheld = withhold(LINES, ORDER, TRUST)
    (tmp_path / "task1.py").write_text("import json\n" + SCRIPT)
    (tmp_path / "dataset.txt").write_bytes(withheld.copy)
    split = memory_file("split")
    os.pwrite(split, json.dumps(ORDER).encode(), 0)
    trust = dataclasses.replace(TRUST, split_lines=(10,), evaluate_line=15)
    ours, theirs = socket.socketpair()
    exchange = Exchange(sock=ours, images=withheld.images, rows=withheld.rows,
                        labels=withheld.labels)
    exchange.start()
    with open(tmp_path / "facts", "wb") as facts, theirs:
        argv = command(python=sys.executable, facts_fd=facts.fileno(), dataset="dataset.txt",
                       test_names=("test_x", "test_y"), figure=None, script="task1.py",
                       trust=trust, split_fd=split, exchange_fd=theirs.fileno())
        done = subprocess.run(argv, cwd=tmp_path, capture_output=True, text=True, check=False,
                              pass_fds=(facts.fileno(), theirs.fileno(), split), timeout=120,
                              env={"PATH": os.environ.get("PATH", "")})
    os.close(split)
    delivered = exchange.finish()
    assert done.returncode == 0, done.stderr
    seen = decode_facts((tmp_path / "facts").read_bytes())
    assert seen is not None and seen.split_applied and seen.evaluation_reached
    during_x, during_y, final_x, final_y = json.loads(done.stdout)
    images, labels = real_rows()
    assert (final_x, final_y) == (images, labels)
    assert during_x != images  # the decoys: noise, not the test rows
    assert delivered is not None and "not a Keras model" in delivered.note


def _nothing_yet(sock: socket.socket) -> bool:
    """Whether the grader has sent nothing within a moment."""
    sock.setblocking(False)
    time.sleep(0.3)
    try:
        early = sock.recv(1)
    except BlockingIOError:
        early = b""
    sock.settimeout(5)
    return early == b""


def _line(sock: socket.socket) -> bytes:
    data = b""
    while not data.endswith(b"\n"):
        data += sock.recv(1)
    return data


def test_the_images_come_only_after_the_model_and_the_labels_only_after_the_inputs() -> None:
    ours, child = socket.socketpair()
    child.settimeout(5)
    exchange = Exchange(sock=ours, images=bytes(784 * 2), rows=2, labels=[4, 9])
    exchange.start()
    assert _nothing_yet(child)  # nothing comes before the model
    child.sendall(b'{"version":1,"model":true,"sizes":[3]}\nabc')
    assert json.loads(_line(child)) == {"rows": 2, "pixels": 784}
    assert len(child.recv(784 * 2, socket.MSG_WAITALL)) == 784 * 2
    assert _nothing_yet(child)  # no label before the inputs
    child.sendall(b'{"version":1,"inputs":true,"predictions":[4,1],"params":7,"sizes":[2]}\nxy')
    assert json.loads(_line(child)) == {"labels": [4, 9]}
    child.close()
    delivered = exchange.finish()
    assert delivered is not None and (delivered.model, delivered.inputs) == (b"abc", b"xy")
    assert delivered.predictions == (4, 1) and delivered.params == 7


def test_a_child_that_breaks_the_protocol_delivers_nothing_and_never_hangs_the_grader() -> None:
    for message in (b"not json\n", b'{"version":1,"sizes":[99999999999]}\n',
                    b'{"version":1,"sizes":[1,2]}\nabc', b"x" * (MAX_HEADER_BYTES + 10),
                    b'{"version":1,"model":true,"sizes":[10]}\nshort'):
        ours, child = socket.socketpair()
        exchange = Exchange(sock=ours, images=bytes(784), rows=1, labels=[1])
        exchange.start()
        sender = threading.Thread(target=_send_quietly, args=(child, message), daemon=True)
        sender.start()
        time.sleep(0.3)
        started = time.monotonic()
        assert exchange.finish() is None, message[:40]
        assert time.monotonic() - started < 2
        child.close()


def test_a_child_that_takes_the_images_and_never_answers_keeps_only_its_model() -> None:
    ours, child = socket.socketpair()
    exchange = Exchange(sock=ours, images=bytes(784 * 1000), rows=1000, labels=[1] * 1000)
    exchange.start()
    child.sendall(b'{"version":1,"model":true,"sizes":[2]}\nmm')  # then it reads nothing
    time.sleep(0.3)
    started = time.monotonic()
    delivered = exchange.finish()
    assert time.monotonic() - started < 2
    assert delivered is not None and delivered.model == b"mm" and delivered.inputs is None
    child.close()


def _send_quietly(sock: socket.socket, data: bytes) -> None:
    with contextlib.suppress(OSError):
        sock.sendall(data)
