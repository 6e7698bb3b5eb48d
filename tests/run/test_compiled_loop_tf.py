"""A custom training loop compiled with ``tf.function`` (the usual TensorFlow 2 idiom: the tape and
``apply_gradients`` inside a compiled step), against real TensorFlow (issue 10, item 4): its
batches are compared where the step is called, so a loop over test rows is ``test_data.use``;
the same loop over training rows, and a compiled function that only predicts on test rows, are
clean. The witness of the initial weights starts at the first compiled step too.
"""

from __future__ import annotations

import pytest

from grader.ids import CheckId
from grader.records import RunStatus
from grader.run.evaluator import TrustedEvaluator
from grader.spec import Assignment
from tests.run.test_trust_tf import findings, ids, run, script

pytestmark = pytest.mark.tensorflow

LOOP = """import tensorflow as tf

optimizer = keras.optimizers.Adam()
loss = keras.losses.SparseCategoricalCrossentropy(from_logits=True)


@tf.function
def step(x, y):
    with tf.GradientTape() as tape:
        value = loss(y, model(x, training=True))
    grads = tape.gradient(value, model.trainable_variables)
    optimizer.apply_gradients(zip(grads, model.trainable_variables))


@tf.function
def scores(x):
    return model(x, training=False)


def loop(x, y):
    x = transform(x).astype("float32")
    for start in range(0, len(x), 50):
        step(tf.constant(x[start:start + 50]), tf.constant(y[start:start + 50]))


"""


def test_a_compiled_loop_over_test_rows_is_leakage(assignment: Assignment,
                                                   evaluator: TrustedEvaluator) -> None:
    train = LOOP + ('loop(train_x[:500], train_y[:500])\n'
                    'loop(globals()["te" + "st_x"][:300], globals()["te" + "st_y"][:300])\n')
    outcome = run(assignment, evaluator, script(train=train))
    assert outcome.status is RunStatus.OK, outcome.stderr[-2000:]
    assert outcome.facts is not None and outcome.facts.test_rows_in_training > 5
    assert CheckId.TEST_DATA_USE in ids(findings(assignment, outcome))


def test_a_compiled_loop_over_training_rows_and_a_compiled_prediction_are_clean(
        assignment: Assignment, evaluator: TrustedEvaluator) -> None:
    train = LOOP + ("loop(train_x[:1000], train_y[:1000])\n"
                    'peek = scores(tf.constant(transform(test_x[:300]).astype("float32")))\n')
    outcome = run(assignment, evaluator, script(train=train))
    assert outcome.status is RunStatus.OK, outcome.stderr[-2000:]
    facts = outcome.facts
    assert facts is not None and facts.test_rows_in_training == 0
    assert "weights" in dict(facts.fingerprints) and facts.weights_changed is True
    assert findings(assignment, outcome) == []
