"""The grader's side of owning a run's split and evaluation (issue 10).

Before a run: ``draw_split`` draws the permutation the provided split would draw (fresh, uniform,
unseeded: the operating system's randomness shuffles the row numbers), which the harness makes
the provided split return. After it: ``measure`` turns what the child delivered when the provided
evaluation started into the grader's own ``Evaluation``: the trusted evaluator's numbers when the
model could leave the process in Keras's format, else the harness's in-process ones, always
against the test labels the grader holds itself.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from functools import cache
from pathlib import Path

from grader.checks.layer_kinds import REQUIRED
from grader.harness import Delivery
from grader.records import Evaluation, RunTrust
from grader.run.evaluator import TrustedEvaluator

SPLIT_NAME = ".grader-split.json"


def draw_split(rows: int) -> list[int]:
    """A uniformly random permutation of ``range(rows)``, from the OS's randomness."""
    order = list(range(rows))
    random.SystemRandom().shuffle(order)
    return order


@cache
def dataset_labels(path: str, sha256: str) -> tuple[int, ...]:
    """The label of each row of the dataset (one image per non-empty line: pixels, a space, the
    label; data/README.md). ``sha256`` keys the cache: a changed file is read again."""
    labels = []
    for line in Path(path).read_bytes().split(b"\n"):
        if line.strip():
            labels.append(int(line.split()[1]))
    return tuple(labels)


def held_out_labels(labels: Sequence[int], order: Sequence[int], trust: RunTrust) -> list[int]:
    return [labels[i] for i in order[trust.test_start:trust.test_stop]]


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


__all__ = ["SPLIT_NAME", "dataset_labels", "draw_split", "measure", "held_out_labels"]
