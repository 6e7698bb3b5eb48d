"""What happens when the provided evaluation starts: the model leaves the student's process.

Runs before any more student code (the import the harness inserted before the evaluation's first
statement). In order: the model is saved in Keras's own format (bytes frozen before student code
runs again); its weights are kept; the script's ``transform`` is applied to the harness's own
copy of the test rows (student code: it may train or change the model, so the weights are put
back afterwards and any training is recorded as late); the model is evaluated in-process with
Keras's own ``predict`` and ``count_params`` taken before student code ran, for a model that
cannot be loaded elsewhere. All of it goes to the delivery fd, which is closed.
"""

from __future__ import annotations

import contextlib
import io
import os
import sys
from typing import Any

from .facts import Facts
from .trust import MODEL_GLOBAL, TRANSFORM_GLOBAL, GraderSplit, Witness, deliver


class Checkpoint:
    """The model's exit; ``refs`` are Keras's own functions, taken when Keras was imported."""

    def __init__(self, *, facts: Facts, split: GraderSplit, witness: Witness, fd: int,
                 namespace: Any, refs: dict[str, Any], quiet: Any) -> None:
        self.facts = facts
        self.split = split
        self.witness = witness
        self.fd = fd
        self.namespace = namespace
        self.refs = refs
        self.quiet = quiet  # a context manager: the harness's own file opens are not facts

    def __call__(self) -> None:
        if self.facts.evaluation_reached:
            return
        self.facts.evaluation_reached = True
        self.facts.write()
        header: dict[str, Any] = {}
        blobs: list[bytes] = []
        with self.facts.guarded("taking the model"), self.quiet():
            self._take(header, blobs)
        deliver(self.fd, header, blobs)
        self.fd = -1

    def _take(self, header: dict[str, Any], blobs: list[bytes]) -> None:
        refs = self.refs
        model = self.namespace().get(MODEL_GLOBAL)
        model_class = refs.get("Model")
        if model_class is None or not isinstance(model, model_class):
            header["note"] = f"`{MODEL_GLOBAL}` is not a Keras model: {type(model).__name__}"
            return
        get_weights = refs["get_weights"]
        self.witness.evaluated(model, get_weights)
        header["model"] = self._save(model, header)
        if header["model"]:
            blobs.append(header.pop("_bytes"))
        test = self.split.test_images()
        if test is None:
            header["note"] = "the harness holds no test rows"
            return
        kept = get_weights(model)
        transform = self.namespace().get(TRANSFORM_GLOBAL)
        inputs = transform(test[0].copy()) if callable(transform) else test[0].copy()
        import numpy as np

        inputs = np.asarray(inputs)
        refs["set_weights"](model, kept)
        scores = refs["predict"](model, inputs, verbose=0)
        header["predictions"] = [int(i) for i in np.argmax(np.asarray(scores), axis=1)]
        header["params"] = max(int(refs["count_params"](model)), _used_weights(model, inputs))
        buffer = io.BytesIO()
        np.save(buffer, inputs.astype(np.float32, copy=False), allow_pickle=False)
        header["inputs"] = True
        blobs.append(buffer.getvalue())

    def _save(self, model: Any, header: dict[str, Any]) -> bool:
        """The model in Keras's format, in ``header["_bytes"]``; False when it cannot leave."""
        path = os.path.abspath(f".grader-model-{os.getpid()}.keras")
        try:
            self.refs["save_model"](model, path)
            with open(path, "rb") as file:
                header["_bytes"] = file.read()
            return True
        except Exception as error:  # noqa: BLE001 - a model that cannot leave is evaluated here
            header["save_error"] = repr(error)[:300]
            return False
        finally:
            with contextlib.suppress(OSError):
                os.unlink(path)


def _used_weights(model: Any, inputs: Any) -> int:
    """The size of every variable one forward pass reads: weights hidden from ``count_params``
    (variables in a closure) count too."""
    tf = sys.modules.get("tensorflow")
    if tf is None:
        return 0
    try:
        with tf.GradientTape() as tape:
            model(inputs[:2], training=False)
        trainable = {id(v): v for v in tape.watched_variables()}
        others = {id(v): v for v in getattr(model, "non_trainable_weights", [])
                  if id(v) not in trainable}
        return sum(_size(v) for v in [*trainable.values(), *others.values()])
    except Exception:  # noqa: BLE001 - a model that does not run eagerly: count_params decides
        return 0


def _size(variable: Any) -> int:
    count = 1
    for dim in tuple(variable.shape):
        count *= int(dim)
    return count
