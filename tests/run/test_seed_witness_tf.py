"""Seeds by their effect on the order of training and on the model's random layers, against real
TensorFlow (issue 10, item 3): each attack is run twice under two grader-drawn splits, beside one
honest script, run twice too, that uses the same mechanisms unseeded.

The attacks are spelled so that the static checks cannot see a seed (a seed taken from today's
date is not a constant), so only the runs' effects can tell.
"""

from __future__ import annotations

import pytest

from grader.ids import CheckId
from grader.records import RunOutcome, RunStatus
from grader.run.evaluator import TrustedEvaluator
from grader.spec import Assignment
from tests.run.test_trust_tf import BUILD, TRAIN, findings, ids, run, script

pytestmark = pytest.mark.tensorflow

TODAY = "import datetime\nSEED = datetime.date.today().toordinal()\n"
DROPOUT_BUILD = BUILD.replace("keras.layers.Flatten(),",
                              "keras.layers.Flatten(),\n    keras.layers.Dropout(0.2{seed}),")
DATASET_TRAIN = """import tensorflow as tf

model.compile("adam", keras.losses.SparseCategoricalCrossentropy(from_logits=True))
data = tf.data.Dataset.from_tensor_slices((transform(train_x[:1000]), train_y[:1000]))
model.fit(data.shuffle(1000{seed}).batch(32), epochs=1, verbose=0)
"""
PERMUTED_TRAIN = """order = np.random.default_rng({seed}).permutation(1000)
model.compile("adam", keras.losses.SparseCategoricalCrossentropy(from_logits=True))
model.fit(transform(train_x[order]), train_y[order], epochs=1, verbose=0, shuffle=False)
"""


def twice(assignment: Assignment, evaluator: TrustedEvaluator, text: str) -> list[RunOutcome]:
    outcomes = [run(assignment, evaluator, text, index) for index in range(2)]
    for outcome in outcomes:
        assert outcome.status is RunStatus.OK, outcome.stderr[-2000:]
    return outcomes


def prints(outcome: RunOutcome) -> dict[str, str]:
    assert outcome.facts is not None
    return dict(outcome.facts.fingerprints)


def seed_messages(assignment: Assignment, outcomes: list[RunOutcome]) -> list[str]:
    return [f.message for f in findings(assignment, *outcomes) if f.check == CheckId.SEED]


def test_training_rows_reordered_by_a_dated_seed_are_a_seed(
        assignment: Assignment, evaluator: TrustedEvaluator) -> None:
    outcomes = twice(assignment, evaluator,
                     script(train=TODAY + PERMUTED_TRAIN.format(seed="SEED")))
    assert prints(outcomes[0])["order"] == prints(outcomes[1])["order"]
    assert any("order of the first rows" in m for m in seed_messages(assignment, outcomes))


def test_a_shuffle_with_a_dated_seed_is_a_seed(assignment: Assignment,
                                               evaluator: TrustedEvaluator) -> None:
    outcomes = twice(assignment, evaluator,
                     script(train=TODAY + DATASET_TRAIN.format(seed=", seed=SEED")))
    assert prints(outcomes[0])["shuffle"] == prints(outcomes[1])["shuffle"]
    assert ids(findings(assignment, *outcomes)) == {CheckId.SEED}


def test_a_dropout_layer_with_a_dated_seed_is_a_seed(assignment: Assignment,
                                                     evaluator: TrustedEvaluator) -> None:
    build = TODAY + DROPOUT_BUILD.format(seed=", seed=SEED")
    outcomes = twice(assignment, evaluator, script(build=build, train=TRAIN))
    assert prints(outcomes[0])["layers"] == prints(outcomes[1])["layers"]
    assert any("random layers" in m for m in seed_messages(assignment, outcomes))


def test_the_same_mechanisms_unseeded_are_clean(assignment: Assignment,
                                                evaluator: TrustedEvaluator) -> None:
    """Dropout, a tf.data shuffle and a reordering of the training rows, all unseeded: the
    random layers and the order differ between runs, and a seedless shuffle records nothing."""
    train = (PERMUTED_TRAIN.format(seed="") + DATASET_TRAIN.format(seed=""))
    outcomes = twice(assignment, evaluator, script(build=DROPOUT_BUILD.format(seed=""),
                                                   train=train))
    first, second = prints(outcomes[0]), prints(outcomes[1])
    assert first["order"] != second["order"] and first["layers"] != second["layers"]
    assert "shuffle" not in first
    assert findings(assignment, *outcomes) == []
