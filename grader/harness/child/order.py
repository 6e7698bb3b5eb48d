"""Seeds judged by the order the training rows arrive in, and by the seeds of tf.data shuffles
and of the model's random layers (issue 10, item 3).

The grader draws every run's split, so the rows a run trains on differ from run to run; what a
seed fixes is their order *relative to the run's training rows*. ``OrderWitness`` maps the first
rows that reach training (an array given to ``fit`` or ``train_on_batch``, a generator's or a
``PyDataset``'s batches, a custom loop's inputs) to their positions among the run's training
rows as the provided split delivered them, and records a fingerprint of those positions. Five
unseeded runs give five unrelated orders; a seeded shuffle (``default_rng(5).permutation``, a
``random.Random(7)``) gives the same positions in every run, whatever its spelling.

Orders that are the same in every run without any randomness are not witnesses and record
nothing: the split's own order (``fit(shuffle=False)`` on ``train_x``, or Keras shuffling inside
``fit``, which the TensorFlow seed witnesses cover), a reversed, strided, rotated or interleaved
copy (few distinct steps between consecutive positions), and rows the harness cannot recognise
(resized, standardised per pixel: fewer than ``FOUND_SHARE`` found).

Standard library only; numpy is used once the script has imported it.
"""

from __future__ import annotations

import hashlib
import sys
from typing import Any

from .facts import Facts
from .protocol import MAX_FINGERPRINTS
from .rows import PIXELS, binarise, pattern_keys

ROWS = 64  # how many first training rows make the order's fingerprint
MIN_ROWS = 16  # fewer than this (a run that trains on almost nothing) witnesses nothing
FOUND_SHARE = 0.9  # the share of those rows that must be found among the training rows
#: a witness needs at least this share of distinct steps between consecutive positions:
#: a seeded permutation's steps are nearly all distinct, a reversed, strided or interleaved
#: copy of the rows repeats one or two steps
DISTINCT_STEPS = 0.5


def record(facts: Facts, name: str, value: str) -> None:
    """Adds one fingerprint to the facts (the first value of a name stays)."""
    if name not in facts.fingerprints and len(facts.fingerprints) < MAX_FINGERPRINTS:
        facts.fingerprints[name] = value
        facts.write()


def witnessed(positions: list[int]) -> bool:
    """Whether an order of training rows carries randomness worth comparing across runs."""
    if len(positions) < MIN_ROWS:
        return False
    found = [p for p in positions if p >= 0]
    if len(found) < FOUND_SHARE * len(positions):
        return False
    steps = [b - a for a, b in zip(found, found[1:], strict=False)]
    return len(set(steps)) >= DISTINCT_STEPS * len(steps)


def fingerprint(positions: list[int]) -> str:
    return hashlib.sha256(repr(positions).encode()).hexdigest()[:16]


class OrderWitness:
    """The positions, among the run's training rows, of the first rows that reach training.

    ``training`` is a callable giving the training rows' pixel strings in the order the split
    delivered them (None without a grader-drawn split: nothing is witnessed).
    """

    def __init__(self, facts: Facts, training: Any) -> None:
        self.facts = facts
        self.training = training
        self.positions: list[int] = []
        self.done = training is None
        self.index: dict[bytes, int] | None = None

    def seen(self, arrays: list[Any]) -> None:
        """Rows that reach training, in the order they do (the first array of a call: x)."""
        if self.done:
            return
        with self.facts.guarded("the order of the training rows"):
            for array in arrays:
                rows = _image_rows(array, ROWS - len(self.positions))
                if rows is not None:
                    self._add(rows)
                    break
            if len(self.positions) >= ROWS:
                self.finish()

    def finish(self) -> None:
        """Records the fingerprint (at ``ROWS`` rows, or at the evaluation with fewer)."""
        if self.done:
            return
        self.done = True
        if witnessed(self.positions):
            record(self.facts, "order", fingerprint(self.positions))

    def _add(self, rows: Any) -> None:
        np = sys.modules["numpy"]
        index = self._index(np)
        bits, valid = binarise(np, rows)
        columns = bits.reshape(-1, 28, 28).transpose(0, 2, 1).reshape(-1, PIXELS)
        variants = [pattern_keys(np, b) for b in (bits, columns, ~bits, ~columns)]
        for i, ok in enumerate(valid.tolist()):
            found = -1
            if ok:
                found = next((index[keys[i]] for keys in variants if keys[i] in index), -1)
            self.positions.append(found)

    def _index(self, np: Any) -> dict[bytes, int]:
        """Pattern key -> position among the training rows (the first of equal patterns)."""
        if self.index is None:
            pixels = self.training()
            self.index = {}
            if pixels:
                flat = np.frombuffer(b"".join(pixels), dtype=np.uint8).astype(np.float32)
                rows = flat.reshape(len(pixels), -1)
                if rows.shape[1] == PIXELS:
                    bits, valid = binarise(np, rows)
                    for position, (key, ok) in enumerate(zip(pattern_keys(np, bits),
                                                             valid.tolist(), strict=True)):
                        if ok:
                            self.index.setdefault(key, position)
        return self.index


def _image_rows(array: Any, wanted: int) -> Any:
    """The first ``wanted`` rows of an array of images (784 values a row) as float32, or None."""
    if wanted <= 0:
        return None
    try:
        shape = [int(dim) for dim in array.shape]
    except (AttributeError, TypeError, ValueError):
        return None  # no shape, or a symbolic one
    if len(shape) < 2 or shape[0] == 0:
        return None
    size = 1
    for dim in shape[1:]:
        size *= dim
    if size != PIXELS:
        return None
    np = sys.modules["numpy"]
    return np.asarray(array[:wanted], dtype=np.float32).reshape(-1, PIXELS)


def shuffle_seeds(dataset: Any) -> str | None:
    """A fingerprint of the seeds of the first ``shuffle`` in a tf.data pipeline, when they fix
    its order: TensorFlow draws a fresh order only when both of a shuffle's seeds are 0 (no
    operation seed and no global seed; ``tensorflow/python/data/util/random_seed.py``)."""
    stack, seen = [dataset], 0
    while stack and seen < 256:
        node = stack.pop()
        seen += 1
        if "Shuffle" in type(node).__name__ and hasattr(node, "_seed2"):
            seeds = (int(node._seed), int(node._seed2))
            return None if seeds == (0, 0) else hashlib.sha256(
                repr(seeds).encode()).hexdigest()[:16]
        try:
            stack.extend(node._inputs())
        except Exception:  # noqa: BLE001 - not a tf.data dataset after all
            continue
    return None


def layer_seeds(model: Any) -> str | None:
    """A fingerprint of the states of the model's own seed generators (dropout, augmentation
    layers) when training starts: drawn from Python's generator unless a layer was given a
    seed (``keras/src/random/seed_generator.py``, ``make_default_seed``)."""
    try:
        layers = list(model._flatten_layers(include_self=True, recursive=True))
    except (AttributeError, TypeError):
        return None
    states = []
    for layer in layers[:256]:
        for generator in getattr(layer, "_seed_generators", ())[:8]:
            state = getattr(generator, "state", None)
            if state is not None:
                states.append(repr(state.numpy().tolist()))
    if not states:
        return None
    return hashlib.sha256("|".join(states).encode()).hexdigest()[:16]
