"""The order witness (issue 10, item 3): the first rows reaching training, as positions among
the run's training rows, fingerprinted only when the order carries randomness.

Two "runs" here are two different splits of the same small dataset of random binary images, as
the grader draws them; a seeded reordering gives the same positions in both, an unseeded one
does not, and orders that are the same without any randomness record nothing. numpy only.
"""

from __future__ import annotations

import random
from collections.abc import Callable

import numpy as np
import pytest

from grader.harness.child.facts import Facts
from grader.harness.child.order import OrderWitness, witnessed

ROWS = 600
IMAGES = (np.random.default_rng().random((ROWS, 784)) < 0.3).astype(np.uint8)
PIXELS = [bytes(row + ord("0")) for row in IMAGES]


def split() -> list[int]:
    """A fresh run's training rows (dataset indices), as the grader's split delivers them."""
    order = list(range(ROWS))
    random.SystemRandom().shuffle(order)
    return order[:500]


def order_print(reorder: Callable[[np.ndarray], np.ndarray], *, batch: int | None = None,
                transform: Callable[[np.ndarray], np.ndarray] = lambda x: x) -> str | None:
    """One run: its training rows reordered by ``reorder`` (a function of the row count that
    gives indices), given to training whole or in batches; the order fingerprint recorded."""
    training = split()
    facts = Facts(-1)
    witness = OrderWitness(facts, lambda: [PIXELS[i] for i in training])
    train_x = transform(IMAGES[training].reshape(-1, 28, 28).astype(np.float32))
    reordered = train_x[reorder(np.arange(len(train_x)))]
    if batch is None:
        witness.seen([reordered])
    else:
        for start in range(0, len(reordered), batch):
            witness.seen([reordered[start:start + batch]])
    witness.finish()
    return facts.fingerprints.get("order")


def seeded(indices: np.ndarray) -> np.ndarray:
    return np.random.default_rng(len("seed")).permutation(indices)


def test_a_seeded_reordering_gives_the_same_order_in_every_run() -> None:
    first, second = order_print(seeded), order_print(seeded)
    assert first is not None and first == second


def test_the_same_seen_in_batches_and_through_a_transform_is_the_same_witness() -> None:
    def scaled(x: np.ndarray) -> np.ndarray:  # -1..1, columns as the sequence
        return (x * 2 - 1).transpose(0, 2, 1)[..., np.newaxis]

    whole = order_print(seeded)
    batched = order_print(seeded, batch=32, transform=scaled)
    assert whole is not None and whole == batched


def test_an_unseeded_reordering_differs_between_runs() -> None:
    def fresh(indices: np.ndarray) -> np.ndarray:
        return np.random.default_rng().permutation(indices)

    first, second = order_print(fresh), order_print(fresh)
    assert first is not None and second is not None and first != second


@pytest.mark.parametrize("reorder", [
    lambda i: i,  # the split's own order: fit(shuffle=False) on train_x
    lambda i: i[::-1],
    lambda i: i[::3],
    lambda i: np.concatenate([i[100:], i[:100]]),  # a validation slice moved to the end
    lambda i: np.stack([i[:250], i[250:]], axis=1).ravel(),  # two halves interleaved
], ids=["split order", "reversed", "strided", "rotated", "interleaved"])
def test_orders_fixed_without_randomness_record_nothing(
        reorder: Callable[[np.ndarray], np.ndarray]) -> None:
    assert order_print(reorder) is None


def test_rows_the_harness_cannot_recognise_record_nothing() -> None:
    def standardised(x: np.ndarray) -> np.ndarray:  # per pixel: the rows' patterns change
        flat = x.reshape(len(x), -1)
        scaled: np.ndarray = (flat - flat.mean(0)) / (flat.std(0) + 1e-3)
        return (scaled + np.linspace(-5, 5, 784)).reshape(x.shape)

    assert order_print(seeded, transform=standardised) is None


def test_too_few_rows_witness_nothing_and_most_must_be_found() -> None:
    assert not witnessed([5, 17, 3])
    assert witnessed([7, 300, 12, 99, 250, 1, 45, 160, 3, 480, 66, 200, 31, 410, 88, 120])
    assert not witnessed([7, 300, -1, -1, 250, -1, 45, 160, 3, 480, 66, 200, 31, 410, 88, 120])
