"""The grader's split and the witnesses of training: the run draws the grader's permutation, and
fingerprints of what randomness produced are kept (issue 10).

``GraderSplit`` reads the permutation the parent drew (from a file descriptor, closed before the
script starts) and the dataset's rows, and makes the provided split call return exactly that
permutation, so the parent knows the run's test rows. The run's copy of the dataset holds decoys
where its test rows are, so the test images the split hands the script, and the ones the harness
compares training rows with, are those decoys until the checkpoint (``checkpoint``) exchanges
the model for the real ones. Standard library only; numpy is used once the script has imported
it.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import os
import sys
import types
from typing import Any

from .facts import Facts
from .order import OrderWitness, layer_seeds, record, shuffle_seeds

MODEL_GLOBAL = "model"  # the provided evaluation predicts with this global
TRANSFORM_GLOBAL = "transform"  # and feeds it transform(test_x)


class GraderSplit:
    """The parent's permutation, the dataset's rows, and the wrapper around the split call."""

    def __init__(self, *, facts: Facts, fd: int, dataset: str, call: str,
                 lines: tuple[int, ...], test_slice: tuple[int | None, int | None],
                 script: str) -> None:
        self.facts = facts
        self.call = call
        self.lines = frozenset(lines)
        self.test_slice = slice(*test_slice)
        self.script = script
        self.order: list[int] | None = None
        self.rows: list[bytes] = []
        if fd >= 0:
            with facts.guarded("reading the split"):
                self.order = [int(i) for i in json.loads(_read_all(fd))]
            with contextlib.suppress(OSError):
                os.close(fd)
            with facts.guarded("reading the dataset"), open(dataset, "rb") as file:
                self.rows = [line for line in file.read().split(b"\n") if line.strip()]
        self.cache: tuple[Any, Any] | None = None

    @property
    def module(self) -> str:
        return self.call.rpartition(".")[0]

    def patch(self, module: Any) -> None:
        """Wraps the split function in ``module`` (the call's module, once imported)."""
        if self.order is None:
            return
        name = self.call.rpartition(".")[2]
        original = getattr(module, name)
        order, lines, facts = self.order, self.lines, self.facts

        @functools.wraps(original)
        def split(*args: Any, **kwargs: Any) -> Any:
            frame = sys._getframe(1)
            if (frame.f_code.co_filename == self.script and frame.f_lineno in lines
                    and args and _length(args[0]) == len(order)):
                import numpy as np  # the script imported it: it is calling numpy

                facts.split_applied = True
                facts.write()
                return np.array(order, dtype=np.intp)
            return original(*args, **kwargs)

        setattr(module, name, split)

    def training_pixels(self) -> list[bytes]:
        """The training rows' pixel strings, in the order the provided split delivers them: the
        permutation without its test slice."""
        if self.order is None or not self.rows:
            return []
        start, stop, _ = self.test_slice.indices(len(self.order))
        return [self.rows[i].split()[0] for i in (*self.order[:start], *self.order[stop:])]

    def test_images(self) -> Any:
        """The test rows as float32 images (n, 28, 28) and their labels, from the harness's own
        copy of the dataset; None before numpy is loaded or without a split."""
        if self.cache is not None:
            return self.cache
        np = sys.modules.get("numpy")
        if np is None or self.order is None or not self.rows:
            return None
        chosen = [self.rows[i].split() for i in self.order[self.test_slice]]
        bits = b"".join(row[0] for row in chosen)
        pixels = (np.frombuffer(bits, dtype=np.uint8) - ord("0")).astype(np.float32)
        side = int(round((pixels.size // max(len(chosen), 1)) ** 0.5))
        images = pixels.reshape(len(chosen), side, side)
        labels = np.array([int(row[1]) for row in chosen], dtype=np.int64)
        self.cache = (images, labels)
        return self.cache


def _read_all(fd: int) -> bytes:
    chunks, offset = [], 0
    while chunk := os.pread(fd, 1 << 20, offset):
        chunks.append(chunk)
        offset += len(chunk)
    return b"".join(chunks)


def _length(value: Any) -> int | None:
    if isinstance(value, int):
        return value
    with contextlib.suppress(TypeError):
        return len(value)
    return None


def weights_hash(arrays: list[Any]) -> str | None:
    """A short hash of weight arrays (None when there are none)."""
    if not arrays:
        return None
    digest = hashlib.sha256()
    for array in arrays:
        digest.update(array.tobytes() if hasattr(array, "tobytes") else repr(array).encode())
    return digest.hexdigest()[:16]


class Witness:
    """Fingerprints of what randomness produced when training started, and the weights then, so
    that the parent can compare runs (seeds by effect) and see training change the model."""

    def __init__(self, facts: Facts, training: Any = None) -> None:
        self.facts = facts
        self.order = OrderWitness(facts, training)
        self.started = False
        self.model_key: int | None = None
        self.layers: list[tuple[str, str | None]] = []
        self.whole: str | None = None

    def training_started(self, model: Any, get_weights: Any) -> None:
        if self.started:
            return
        self.started = True
        prints: dict[str, str] = {}
        with self.facts.guarded("fingerprints"):
            prints.update(_generator_states())
        with self.facts.guarded("initial weights"):
            if model is not None:
                self.model_key = id(model)
                self.layers = _layer_hashes(model, get_weights)
                self.whole = weights_hash(get_weights(model))
                if self.whole is not None and _varied(get_weights(model)):
                    prints["weights"] = self.whole
        with self.facts.guarded("the random layers' seeds"):
            layers = layer_seeds(model) if model is not None else None
            if layers is not None:
                prints["layers"] = layers
        for name, value in prints.items():
            record(self.facts, name, value)
        self.facts.write()

    def rows_seen(self, arrays: list[Any]) -> None:
        """Rows reaching training, in order (see ``order``)."""
        self.order.seen(arrays)

    def dataset_seen(self, dataset: Any) -> None:
        """A tf.data pipeline given to training: its shuffle's seeds, when they fix its order."""
        with self.facts.guarded("the shuffle's seeds"):
            seeds = shuffle_seeds(dataset)
            if seeds is not None:
                record(self.facts, "shuffle", seeds)

    def evaluated(self, model: Any, get_weights: Any) -> None:
        """At the checkpoint: did training change the model, layer by layer?"""
        self.order.finish()
        if not self.started or self.model_key != id(model):
            return
        now = _layer_hashes(model, get_weights)
        if len(now) == len(self.layers):
            self.facts.layer_changes = [[name, before != after] for (name, before), (_, after)
                                        in zip(self.layers, now, strict=True)]
        self.facts.weights_changed = weights_hash(get_weights(model)) != self.whole
        self.facts.write()


def _varied(arrays: list[Any]) -> bool:
    """Whether any array holds more than one value: constant weights carry no randomness."""
    return any(getattr(a, "size", 0) > 1 and float(a.max()) != float(a.min()) for a in arrays)


def _layer_hashes(model: Any, get_weights: Any) -> list[tuple[str, str | None]]:
    try:
        layers = list(model._flatten_layers(include_self=False, recursive=True))
    except (AttributeError, TypeError):
        layers = list(getattr(model, "layers", []))
    found = []
    for layer in layers[:256]:
        own = getattr(layer, "_trainable_variables", None)
        if own is None or not own or getattr(layer, "_layers", None):
            continue  # no weights of its own, or a container (its sublayers are listed)
        found.append((type(layer).__name__, weights_hash([v.numpy() for v in own])))
    return found


def _generator_states() -> dict[str, str]:
    """Hashes of the states of Python's, NumPy's and Keras' / TensorFlow's global generators."""
    import random

    states: dict[str, str] = {"python": _hash(repr(random.getstate()))}
    np = sys.modules.get("numpy")
    if np is not None:
        state = np.random.get_state()
        states["numpy"] = _hash(state[1].tobytes() + repr(state[2:]).encode())
    keras_state = sys.modules.get("keras.src.backend.common.global_state")
    generator = keras_state.get_global_attribute("global_seed_generator") if keras_state else None
    if generator is not None:
        states["keras"] = _hash(repr(generator.state.numpy().tolist()))
    stateful = sys.modules.get("tensorflow.python.ops.stateful_random_ops")
    tf_generator = getattr(stateful, "global_generator", None)
    if tf_generator is not None:
        states["tensorflow"] = _hash(repr(tf_generator.state.numpy().tolist()))
    context = sys.modules.get("tensorflow.python.eager.context")
    seed = getattr(context.context(), "_seed", None) if context is not None else None
    if seed is not None:  # TensorFlow's global op seed (shuffling in fit, dropout): only once set
        states["tensorflow_seed"] = _hash(repr(seed))
    return states


def _hash(data: str | bytes) -> str:
    return hashlib.sha256(data.encode() if isinstance(data, str) else data).hexdigest()[:16]


class CheckpointFinder:
    """The import the harness inserts before the provided evaluation's first statement: finding
    the module runs the checkpoint, and the module itself is empty."""

    def __init__(self, name: str, checkpoint: Any) -> None:
        self.name = name
        self.checkpoint = checkpoint

    def find_spec(self, name: str, path: Any, target: Any = None) -> Any:
        if name != self.name:
            return None
        import importlib.machinery

        self.checkpoint()
        return importlib.machinery.ModuleSpec(name, self)  # type: ignore[arg-type]

    def create_module(self, spec: Any) -> types.ModuleType:
        return types.ModuleType(spec.name)

    def exec_module(self, module: types.ModuleType) -> None:
        """Nothing to run: the empty module stays in ``sys.modules`` under its random name."""
