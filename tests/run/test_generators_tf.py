"""Leakage through generators, against real TensorFlow (issue 10, item 4): test rows yielded to
``fit`` by a ``tf.data.Dataset.from_generator`` pipeline or a plain Python generator are
``test_data.use``; a generator of training rows, and one of test rows read only by ``predict``
after training, are not.
"""

from __future__ import annotations

import pytest

from grader.ids import CheckId
from grader.records import RunStatus
from grader.run.evaluator import TrustedEvaluator
from grader.spec import Assignment
from tests.run.test_trust_tf import findings, ids, run, script

pytestmark = pytest.mark.tensorflow

COMPILE = """import tensorflow as tf

model.compile("adam", keras.losses.SparseCategoricalCrossentropy(from_logits=True))
"""
#: batches of 50 transformed rows of ``x`` and their labels, made by a generator function
PAIRS = """

def pairs(x, y):
    def made():
        for start in range(0, len(x), 50):
            yield transform(x[start:start + 50]).astype("float32"), y[start:start + 50]
    return made


SIGNATURE = (tf.TensorSpec((None, 28, 28, 1), tf.float32), tf.TensorSpec((None,), tf.int64))
"""
HIDDEN = 'globals()["te" + "st_x"][:500], globals()["te" + "st_y"][:500]'


def test_test_rows_from_a_tf_data_generator_and_a_python_generator_are_leakage(
        assignment: Assignment, evaluator: TrustedEvaluator) -> None:
    for train in (
        f"data = tf.data.Dataset.from_generator(pairs({HIDDEN}), output_signature=SIGNATURE)\n"
        "model.fit(data, epochs=1, verbose=0)\n",
        f"model.fit(pairs({HIDDEN})(), epochs=1, verbose=0, steps_per_epoch=10)\n",
    ):
        outcome = run(assignment, evaluator, script(train=COMPILE + PAIRS + train))
        assert outcome.status is RunStatus.OK, outcome.stderr[-2000:]
        assert outcome.facts is not None and outcome.facts.test_rows_in_training > 5
        assert CheckId.TEST_DATA_USE in ids(findings(assignment, outcome))


def test_a_generator_of_training_rows_and_one_read_only_to_predict_are_not(
        assignment: Assignment, evaluator: TrustedEvaluator) -> None:
    train = COMPILE + PAIRS + (
        "data = tf.data.Dataset.from_generator(pairs(train_x[:500], train_y[:500]),\n"
        "                                      output_signature=SIGNATURE)\n"
        "model.fit(data, epochs=1, verbose=0)\n"
        f"peek = tf.data.Dataset.from_generator(pairs({HIDDEN}), output_signature=SIGNATURE)\n"
        "model.predict(peek, verbose=0)  # after training: looking, not learning\n")
    outcome = run(assignment, evaluator, script(train=train))
    assert outcome.status is RunStatus.OK, outcome.stderr[-2000:]
    assert outcome.facts is not None and outcome.facts.test_rows_in_training == 0
    assert findings(assignment, outcome) == []
