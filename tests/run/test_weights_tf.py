"""Weights set other than by training, against real TensorFlow (issue 10, items 5 and 7): honest
averaging of the weights training produced and an assigned learning rate stay clean; weights
assigned through TensorFlow's own variables, or mixed with values from elsewhere, are
``pretrained``.
"""

from __future__ import annotations

import pytest

from grader.ids import CheckId
from grader.records import RunStatus
from grader.run.evaluator import TrustedEvaluator
from grader.spec import Assignment
from tests.run.test_trust_tf import TRAIN, findings, ids, run, script

pytestmark = pytest.mark.tensorflow

AVERAGED = """model.compile("adam", keras.losses.SparseCategoricalCrossentropy(from_logits=True))
model.optimizer.learning_rate.assign(2e-3)
snapshots = []


class Keep(keras.callbacks.Callback):
    def on_epoch_end(self, epoch, logs=None):
        snapshots.append(self.model.get_weights())


model.fit(transform(train_x[:1000]), train_y[:1000], epochs=3, verbose=0, callbacks=[Keep()])
model.set_weights([sum(ws) / len(ws) for ws in zip(*snapshots)])  # the last epochs' average
model.set_weights([0.9 * a + 0.1 * b for a, b in zip(snapshots[-1], snapshots[0])])
"""
FOREIGN = "[np.full(w.shape, 0.01, dtype=w.dtype) for w in model.get_weights()]"


def test_averages_of_trained_weights_and_an_assigned_learning_rate_are_clean(
        assignment: Assignment, evaluator: TrustedEvaluator) -> None:
    outcome = run(assignment, evaluator, script(train=AVERAGED))
    assert outcome.status is RunStatus.OK, outcome.stderr[-2000:]
    assert outcome.facts is not None and outcome.facts.weights_set == ()
    assert findings(assignment, outcome) == []


def test_an_average_with_weights_from_elsewhere_is_pretrained(
        assignment: Assignment, evaluator: TrustedEvaluator) -> None:
    mixed = TRAIN + ("mine = model.get_weights()\n"
                     f"model.set_weights([(a + b) / 2 for a, b in zip(mine, {FOREIGN})])\n")
    outcome = run(assignment, evaluator, script(train=mixed))
    assert CheckId.PRETRAINED in ids(findings(assignment, outcome))


def test_tensorflows_own_variables_assigned_before_training_are_pretrained(
        assignment: Assignment, evaluator: TrustedEvaluator) -> None:
    raw = ("for weight, value in zip(model.weights, " + FOREIGN + "):\n"
           "    weight.value.assign(value)  # the tf.Variable behind the Keras one\n" + TRAIN)
    outcome = run(assignment, evaluator, script(train=raw))
    assert outcome.facts is not None
    assert any("tf.Variable.assign" in entry for entry in outcome.facts.weights_set)
    assert CheckId.PRETRAINED in ids(findings(assignment, outcome))
