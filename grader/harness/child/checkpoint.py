"""What happens when the provided evaluation starts: the model leaves the student's process, then
the real test rows enter it.

Runs before any more student code (the import the harness inserted before the evaluation's first
statement). Until now the script's test set held decoys (the run's copy of the dataset has noise
where its test rows are). In order, over the exchange with the grader (``channel``; the grader's
side is ``grader/run/exchange.py``):

1. the model is saved in Keras's own format and sent (frozen before student code runs again);
   its weights are kept;
2. the grader sends the real test images; the script's ``transform`` is applied to a copy of
   them (student code: it may train or change the model, so the weights are put back afterwards
   and any training is recorded as late), and the model is evaluated in-process with Keras's
   own ``predict`` and ``count_params`` taken before student code ran, for a model that cannot
   be loaded elsewhere; both are sent;
3. the grader sends the test labels, and the images and labels replace the decoys under the
   script's test-set names, for the provided evaluation to print and plot.
"""

from __future__ import annotations

import contextlib
import io
import os
import sys
from typing import Any

from .channel import Channel, ChannelClosed
from .facts import Facts
from .trust import MODEL_GLOBAL, TRANSFORM_GLOBAL, Witness


class Checkpoint:
    """The model's exit; ``refs`` are Keras's own functions, taken when Keras was imported."""

    def __init__(self, *, facts: Facts, witness: Witness, fd: int, namespace: Any,
                 refs: dict[str, Any], quiet: Any, test_names: list[str]) -> None:
        self.facts = facts
        self.witness = witness
        self.fd = fd
        self.namespace = namespace
        self.refs = refs
        self.quiet = quiet  # a context manager: the harness's own file opens are not facts
        self.test_names = test_names

    def __call__(self) -> None:
        if self.facts.evaluation_reached:
            return
        self.facts.evaluation_reached = True
        self.facts.write()
        channel, self.fd = Channel(self.fd), -1
        try:
            model = self._model()
            header: dict[str, Any] = {}
            blobs: list[bytes] = []
            with self.facts.guarded("taking the model"), self.quiet():
                self._take(model, header, blobs)
            channel.send(header, blobs)
            rows, pixels = channel.receive()
            images = _images(rows, pixels)
            header, blobs = {}, []
            with self.facts.guarded("evaluating in the harness"), self.quiet():
                self._evaluate(model, images, header, blobs)
            channel.send(header, blobs)
            answer, _ = channel.receive()
            with self.facts.guarded("handing over the test rows"):
                self._bind(images, answer["labels"])
        except (ChannelClosed, OSError, ValueError, KeyError, TypeError) as error:
            self.facts.add("notes", f"the checkpoint's exchange: {error!r}")
        finally:
            channel.close()

    def _model(self) -> Any:
        model = self.namespace().get(MODEL_GLOBAL)
        model_class = self.refs.get("Model")
        return model if model_class is not None and isinstance(model, model_class) else None

    def _take(self, model: Any, header: dict[str, Any], blobs: list[bytes]) -> None:
        if model is None:
            found = type(self.namespace().get(MODEL_GLOBAL)).__name__
            header["note"] = f"`{MODEL_GLOBAL}` is not a Keras model: {found}"
            return
        self.witness.evaluated(model, self.refs["get_weights"])
        header["model"] = self._save(model, header)
        if header["model"]:
            blobs.append(header.pop("_bytes"))

    def _evaluate(self, model: Any, images: Any, header: dict[str, Any],
                  blobs: list[bytes]) -> None:
        if model is None:
            return
        refs = self.refs
        kept = refs["get_weights"](model)
        transform = self.namespace().get(TRANSFORM_GLOBAL)
        inputs = transform(images.copy()) if callable(transform) else images.copy()
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

    def _bind(self, images: Any, labels: list[int]) -> None:
        """The real test rows under the script's test-set names, shaped and typed as the decoys
        were (images where the decoys had more than one axis, labels where they had one)."""
        np = sys.modules["numpy"]
        namespace = self.namespace()
        values = np.asarray(labels, dtype=np.int64)
        for name in self.test_names:
            decoy = namespace.get(name)
            shape, dtype = getattr(decoy, "shape", None), getattr(decoy, "dtype", None)
            if shape is None or dtype is None or not len(shape) or shape[0] != len(values):
                continue
            real = values if len(shape) == 1 else images
            if int(np.prod(shape)) != real.size:
                self.facts.add("notes", f"`{name}` was reshaped: its decoys stay")
                continue
            namespace[name] = real.astype(dtype).reshape(shape)

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


def _images(header: dict[str, Any], pixels: bytes) -> Any:
    """The grader's test images, float32 (n, side, side), from one byte (0 or 1) a pixel."""
    np = sys.modules["numpy"]
    rows, count = int(header["rows"]), int(header["pixels"])
    side = int(round(count ** 0.5))
    flat = np.frombuffer(pixels, dtype=np.uint8).astype(np.float32)
    return flat.reshape(rows, side, side) if side * side == count else flat.reshape(rows, count)


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
