"""The trusted evaluator: a long-lived process of the grader that evaluates the models runs hand
over, with TensorFlow imported once (``python -m grader.run.trusted``).

It reads one request per line on stdin (JSON: the paths of a ``.keras`` model and of the ``.npy``
inputs, the test labels, the class names of the required layers) and answers one line on its
own copy of stdout (fd 1 is pointed at stderr, so that nothing TensorFlow prints can break the
protocol). The model is loaded with ``safe_mode=True`` (no ``Lambda`` code, no unknown classes):
a model that needs code of the student's to load is refused, and the run falls back to the
harness's in-process evaluation. The answer: the error on the test rows, the parameter count,
and whether perturbing the required layers' weights changes the predictions (a layer whose output
is thrown away does no work).

The client side is ``grader.run.evaluator``.
"""

from __future__ import annotations

import json
import os
import sys
from typing import Any

#: a required layer does work when zeroing its weights changes this share of the predictions
WORKS_FRACTION = 0.01


def evaluate(request: dict[str, Any]) -> dict[str, Any]:
    """One request's answer (never raises: a failure is ``{"ok": False, "why": ...}``)."""
    import keras
    import numpy as np

    try:
        model = keras.saving.load_model(request["model"], compile=False, safe_mode=True)
    except Exception as error:  # noqa: BLE001 - the model cannot leave: the harness evaluates
        keras.backend.clear_session()
        return {"ok": False, "why": f"cannot load the model safely: {error!r}"[:300]}
    try:
        inputs = np.load(request["inputs"], allow_pickle=False)
        labels = np.asarray(request["labels"], dtype=np.int64)
        if len(inputs) != len(labels):
            return {"ok": False, "why": "the inputs and the test rows differ in number"}
        predicted = _predict(model, inputs)
        error_pct = 100.0 * float(np.mean(predicted != labels))
        return {"ok": True, "error_pct": round(error_pct, 4), "params": int(model.count_params()),
                "required_works": _required_works(model, inputs, predicted,
                                                  set(request.get("required", ())))}
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


def main() -> None:
    """Serve requests until stdin closes; ``--threads N`` limits TensorFlow's thread pools."""
    out = os.fdopen(os.dup(1), "w", buffering=1)
    os.dup2(2, 1)  # whatever TensorFlow prints goes to stderr
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    threads = int(sys.argv[sys.argv.index("--threads") + 1]) if "--threads" in sys.argv else 0
    import keras  # noqa: F401 - imported once, before the first request
    import tensorflow as tf

    if threads > 0:
        tf.config.threading.set_intra_op_parallelism_threads(threads)
        tf.config.threading.set_inter_op_parallelism_threads(threads)

    out.write(json.dumps({"ready": True}) + "\n")
    for line in sys.stdin:
        try:
            request = json.loads(line)
            answer = evaluate(request) if isinstance(request, dict) else {"ok": False}
        except ValueError:
            answer = {"ok": False, "why": "a request that is not JSON"}
        out.write(json.dumps(answer) + "\n")


if __name__ == "__main__":
    main()
