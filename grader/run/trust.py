"""The grader's side of owning a run's split and evaluation (issue 10).

Before a run: ``draw_split`` draws the permutation the provided split would draw (fresh, uniform,
unseeded: the operating system's randomness shuffles the row numbers), which the harness makes
the provided split return, and ``withhold`` makes the run's copy of the dataset, with decoys
where that permutation's test rows are. After it: ``measure`` turns what the child delivered
when the provided evaluation started into the grader's own ``Evaluation``: the trusted
evaluator's numbers when the model could leave the process in Keras's format, else the
harness's in-process ones, always against the test labels the grader holds itself.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np

from grader.checks.layer_kinds import REQUIRED
from grader.harness import Delivery
from grader.records import Evaluation, RunTrust
from grader.run.evaluator import TrustedEvaluator


def draw_split(rows: int) -> list[int]:
    """A uniformly random permutation of ``range(rows)``, from the OS's randomness."""
    order = list(range(rows))
    random.SystemRandom().shuffle(order)
    return order


@cache
def dataset_rows(path: str, sha256: str) -> tuple[bytes, ...]:
    """The dataset's lines (each kept as it is, newline-free), empty ones included: the provided
    code skips those, and the decoy copy keeps them. ``sha256`` keys the cache."""
    return tuple(Path(path).read_bytes().split(b"\n"))


@dataclass(frozen=True)
class Withheld:
    """A run's dataset copy with decoys where its test rows are, and what the decoys stand for.

    ``images`` are the real test rows' pixels, one byte (0 or 1) a pixel, row after row;
    ``labels`` their labels.
    """

    copy: bytes
    images: bytes
    rows: int
    labels: tuple[int, ...]


DIGITS = bytes.maketrans(b"0123456789", bytes(range(10)))


def withhold(lines: Sequence[bytes], order: Sequence[int], trust: RunTrust) -> Withheld:
    """The dataset with its test rows (``order[test_start:test_stop]``, counting non-empty lines
    as the provided code does) replaced by decoys: pixels drawn independently with the dataset's
    mean ink density and a uniform label, so a decoy says nothing about the row it replaces."""
    filled = [i for i, line in enumerate(lines) if line.strip()]
    test = [filled[i] for i in order[trust.test_start:trust.test_stop]]
    fields = [lines[i].split() for i in test]
    pixels = [f[0] for f in fields]
    density = _ink(tuple(lines[i].split()[0] for i in filled[:2000]))
    rng = np.random.default_rng()
    copy = list(lines)
    for line_index, real in zip(test, pixels, strict=True):
        ink = rng.random(len(real)) < density
        decoy = np.where(ink, ord("1"), ord("0")).astype(np.uint8).tobytes()
        copy[line_index] = decoy + b" " + str(int(rng.integers(10))).encode()
    return Withheld(copy=b"\n".join(copy), images=b"".join(pixels).translate(DIGITS),
                    rows=len(test), labels=tuple(int(f[1]) for f in fields))


def _ink(pixels: tuple[bytes, ...]) -> float:
    """The share of "1" pixels in (a sample of) the dataset's rows."""
    total = sum(len(p) for p in pixels)
    return sum(p.count(b"1") for p in pixels) / total if total else 0.2


def measure(*, delivery: Delivery | None, labels: Sequence[int], trust: RunTrust,
            evaluator: TrustedEvaluator | None) -> Evaluation | None:
    """The grader's evaluation of the delivered model on ``labels`` (None: nothing delivered)."""
    if delivery is None:
        return None
    notes = [delivery.note] if delivery.note else []
    if delivery.model is not None and delivery.inputs is not None and evaluator is not None:
        answer = evaluator.evaluate(model=delivery.model, inputs=delivery.inputs, labels=labels,
                                    required=sorted(REQUIRED.get(trust.required_layer, ())))
        if answer.get("ok"):
            return Evaluation(by="grader", error_pct=_number(answer.get("error_pct")),
                              params=_int(answer.get("params")),
                              required_works=_bool(answer.get("required_works")),
                              note="; ".join(notes))
        notes.append(str(answer.get("why", "the evaluator refused the model"))[:300])
    predictions = delivery.predictions
    if predictions is None or len(predictions) != len(labels) or not labels:
        return Evaluation(by="none", error_pct=None, params=None,
                          note="; ".join(notes) or "the model was not evaluated")
    wrong = sum(p != y for p, y in zip(predictions, labels, strict=True))
    return Evaluation(by="harness", error_pct=round(100.0 * wrong / len(labels), 4),
                      params=delivery.params, note="; ".join(notes))


def _number(value: object) -> float | None:
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def _int(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _bool(value: object) -> bool | None:
    return value if isinstance(value, bool) else None


__all__ = ["Withheld", "dataset_rows", "draw_split", "measure", "withhold"]
