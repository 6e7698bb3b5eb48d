"""The trusted evaluator's server: a long-lived process that evaluates the models runs hand over,
with TensorFlow imported once. Run as ``python -I <this folder>/evaluate.py --threads N``, inside
the same sandbox as the runs (``grader.sandbox.service``), in a work folder of its own.

Why a sandbox: the model is a ``.keras`` file the student's run wrote, attacker-controlled bytes.
It is loaded with ``safe_mode=True`` (no ``Lambda`` code, no unknown classes), but safe_mode has
been bypassed again and again: CVE-2025-1550 (``config.json`` naming any module and function,
Keras < 3.9, GHSA-48g7-3x6r-xfhp), CVE-2025-8747 and CVE-2025-9906 (a ``.keras`` archive that
switches unsafe deserialization back on before a ``Lambda`` loads, Keras < 3.11; reported at
github.com/io-no/CVE-Reports issue 5), CVE-2025-9905 (safe_mode silently ignored for HDF5
files) and CVE-2026-1462 (``TFSMLayer`` loading an attacker's SavedModel, Keras < 3.13.2). So
this process is treated like student code: it sees nothing but its own work folder, has no
network and runs as an unprivileged uid. The file is always named ``model.keras`` here, so the
legacy HDF5 loader is never chosen by its name.

The protocol, on stdin: one header line of JSON (``model`` and ``inputs``: the sizes in bytes of
the blobs that follow; ``labels``: the test labels; ``required``: the class names of the required
layers), then the ``.keras`` bytes, then the ``.npy`` bytes (no pickles). The model is written to
the work folder (Keras loads from a path), the inputs are read from memory. One JSON line
answers on this process's own copy of stdout; fd 1 points at stderr, so nothing TensorFlow
prints can break the protocol. A request out of step (a bad header, a short blob) ends the
process: the client starts a fresh one for the next model.

The answer: the error on the test rows, the parameter count, and whether zeroing the required
layers' weights changes the predictions (a layer whose output is thrown away does no work).
Standard library only at import time, like the harness beside it, which never imports this
module (``__main__``'s ``_load_siblings`` loads ``core`` and what it imports).
"""

from __future__ import annotations

import importlib.util
import io
import json
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO

if TYPE_CHECKING:
    from . import protocol
else:  # run as a script with -I: the folder is not on sys.path, load the sibling by its path
    _spec = importlib.util.spec_from_file_location(
        "_grader_evaluator_protocol", Path(__file__).resolve().parent / "protocol.py")
    protocol = importlib.util.module_from_spec(_spec)
    _spec.loader.exec_module(protocol)

#: a required layer does work when zeroing its weights changes this share of the predictions
WORKS_FRACTION = 0.01
MODEL_NAME = "model.keras"  # in the work folder, the current directory


class OutOfStep(ValueError):
    """A request that does not follow the protocol: the stream cannot be trusted any more."""


def read_request(stream: BinaryIO) -> tuple[dict[str, Any], bytes, bytes] | None:
    """The next request (header, model bytes, inputs bytes); None at the end of the stream.

    Raises ``OutOfStep`` for a header that is not the protocol's or blobs out of bounds.
    """
    line = stream.readline(protocol.MAX_HEADER_BYTES + 1)
    if not line:
        return None
    if not line.endswith(b"\n"):
        raise OutOfStep("a header line too long or cut short")
    try:
        header = json.loads(line)
    except ValueError as error:
        raise OutOfStep(f"a header that is not JSON: {error}") from error
    if not isinstance(header, dict):
        raise OutOfStep("a header that is not an object")
    sizes = []
    for key, bound in (("model", protocol.MAX_MODEL_BYTES), ("inputs", protocol.MAX_INPUTS_BYTES)):
        size = header.get(key)
        if not isinstance(size, int) or isinstance(size, bool) or not 0 <= size <= bound:
            raise OutOfStep(f"the {key}'s size is not a number up to {bound}")
        sizes.append(size)
    return header, _exactly(stream, sizes[0]), _exactly(stream, sizes[1])


def _exactly(stream: BinaryIO, size: int) -> bytes:
    data = stream.read(size)
    if len(data) != size:
        raise OutOfStep(f"{len(data)} bytes where the header announced {size}")
    return data


def evaluate(header: dict[str, Any], model_bytes: bytes, inputs_bytes: bytes) -> dict[str, Any]:
    """One request's answer (never raises: a failure is ``{"ok": False, "why": ...}``)."""
    import keras
    import numpy as np

    labels = header.get("labels")
    if not isinstance(labels, list) or not all(isinstance(y, int) for y in labels):
        return {"ok": False, "why": "the request's labels are not a list of numbers"}
    path = Path(MODEL_NAME)
    try:
        path.write_bytes(model_bytes)
        model = keras.saving.load_model(str(path), compile=False, safe_mode=True)
    except Exception as error:  # noqa: BLE001 - the model cannot leave: the harness evaluates
        keras.backend.clear_session()
        return {"ok": False, "why": f"cannot load the model safely: {error!r}"[:300]}
    finally:
        path.unlink(missing_ok=True)
    try:
        inputs = np.load(io.BytesIO(inputs_bytes), allow_pickle=False)
        if len(inputs) != len(labels):
            return {"ok": False, "why": "the inputs and the test rows differ in number"}
        predicted = _predict(model, inputs)
        error_pct = 100.0 * float(np.mean(predicted != np.asarray(labels, dtype=np.int64)))
        required = {str(name) for name in header.get("required", ())}
        return {"ok": True, "error_pct": round(error_pct, 4), "params": int(model.count_params()),
                "required_works": _required_works(model, inputs, predicted, required)}
    except Exception as error:  # noqa: BLE001 - a model that does not run on its inputs
        return {"ok": False, "why": f"the model does not evaluate: {error!r}"[:300]}
    finally:
        del model
        keras.backend.clear_session()  # one model at a time: nothing accumulates


def _predict(model: Any, inputs: Any) -> Any:
    import numpy as np

    return np.argmax(np.asarray(model.predict(inputs, verbose=0, batch_size=256)), axis=1)


def _required_works(model: Any, inputs: Any, predicted: Any, required: set[str]) -> bool | None:
    """Whether zeroing every required layer's weights changes the predictions (None: none)."""
    import numpy as np

    layers = [layer for layer in model._flatten_layers(include_self=False, recursive=True)
              if type(layer).__name__ in required and layer.weights]
    if not layers or len(np.unique(predicted)) < 2:
        return None  # no required layer, or a model that answers one class: nothing to measure
    kept = [[w.numpy() for w in layer.weights] for layer in layers]
    for layer in layers:
        for weight in layer.weights:
            weight.assign(np.zeros(weight.shape, dtype=weight.dtype))
    try:
        changed = float(np.mean(_predict(model, inputs) != predicted))
    finally:
        for layer, values in zip(layers, kept, strict=True):
            for weight, value in zip(layer.weights, values, strict=True):
                weight.assign(value)
    return changed >= WORKS_FRACTION


def main(argv: list[str]) -> None:
    """Serve requests until stdin closes; ``--threads N`` limits TensorFlow's thread pools."""
    out = os.fdopen(os.dup(1), "w", buffering=1)
    os.dup2(2, 1)  # whatever TensorFlow prints goes to stderr
    threads = int(argv[argv.index("--threads") + 1]) if "--threads" in argv else 0
    import keras  # noqa: F401 - imported once, before the first request
    import tensorflow as tf

    if threads > 0:
        tf.config.threading.set_intra_op_parallelism_threads(threads)
        tf.config.threading.set_inter_op_parallelism_threads(threads)
    out.write(json.dumps({"ready": True}) + "\n")
    while True:
        try:
            request = read_request(sys.stdin.buffer)
        except OutOfStep as error:
            out.write(json.dumps({"ok": False, "why": f"a request out of step: {error}"}) + "\n")
            return
        if request is None:
            return
        out.write(json.dumps(evaluate(*request)) + "\n")


if __name__ == "__main__":
    main(sys.argv)
