"""Issue 10 item 4 against real TensorFlow: a ``keras.utils.PyDataset`` whose ``__getitem__``
yields test rows to fit (as x, or as validation data made in worker processes) is leakage; one
over training rows (augmented) or one used only for prediction is not. Its first training rows
witness the order too (item 3): a dated seed's order is the same in two runs, an unseeded one is
not.

Each script is task1's original with its YOUR CODE regions filled in, run once under the grader's
split and evaluation with one epoch on a slice of the training rows: enough to prove the hook.
"""

from __future__ import annotations

import pytest

from grader.ids import CheckId
from grader.records import RunOutcome, RunStatus
from grader.run.evaluator import TrustedEvaluator
from grader.spec import Assignment
from tests.run.test_trust_tf import BUILD, findings, ids, run, script

pytestmark = pytest.mark.tensorflow

#: a PyDataset of transformed batches; ``noise`` augments (a one-pixel shift and a little noise;
#: not a mirror image: two of the dataset's ones are each other's, which the matcher would see)
BATCHES = '''

class Batches(tf.keras.utils.PyDataset):
    """Batches of transformed images and their labels."""

    def __init__(self, x, y, batch_size=50, noise=False, **kwargs):
        super().__init__(**kwargs)
        self.x, self.y, self.batch_size, self.noise = x, y, batch_size, noise

    def __len__(self):
        return -(-len(self.x) // self.batch_size)

    def rows(self, part):
        return self.x[part], self.y[part]

    def __getitem__(self, index):
        images, labels = self.rows(slice(index * self.batch_size,
                                         (index + 1) * self.batch_size))
        if self.noise:
            images = np.roll(images, 1, axis=2) + np.random.normal(0, 0.05, images.shape)
        return transform(images.astype(np.float32)), labels
'''
TRANSFORM = "def transform(batch):\n    return batch[..., np.newaxis]\n" + BATCHES
#: a PyDataset that swaps in test rows for its first batch, from a global looked up per call
LEAKY = '''

class Leaky(Batches):
    def rows(self, part):
        if part.start == 0:
            found = globals()["te" + "st_x"], globals()["te" + "st_y"]
            return found[0][:self.batch_size], found[1][:self.batch_size]
        return super().rows(part)
'''
COMPILE = 'model.compile("adam", keras.losses.SparseCategoricalCrossentropy(from_logits=True))\n'


def test_a_pydataset_yielding_test_rows_to_fit_is_leakage(assignment: Assignment,
                                                          evaluator: TrustedEvaluator) -> None:
    train = COMPILE + "model.fit(Leaky(train_x[:500], train_y[:500]), epochs=1, verbose=0)\n"
    outcome = run(assignment, evaluator, script(transform=TRANSFORM + LEAKY, train=train))
    assert outcome.status is RunStatus.OK, outcome.stderr
    assert outcome.facts is not None and outcome.facts.test_rows_in_training > 0, outcome.facts
    assert CheckId.TEST_DATA_USE in ids(findings(assignment, outcome))


def test_test_rows_as_validation_batches_made_in_worker_processes_are_leakage(
        assignment: Assignment, evaluator: TrustedEvaluator) -> None:
    # keras.utils.Sequence, PyDataset's alias, and batches made by forked workers
    sequence = TRANSFORM.replace("utils.PyDataset", "utils.Sequence") + LEAKY
    train = COMPILE + (
        "model.fit(transform(train_x[:500]), train_y[:500], epochs=1, verbose=0,\n"
        "          validation_data=Leaky(train_x[500:600], train_y[500:600], workers=2,\n"
        "                                use_multiprocessing=True))\n")
    outcome = run(assignment, evaluator, script(transform=sequence, train=train))
    assert outcome.status is RunStatus.OK, outcome.stderr
    assert outcome.facts is not None and outcome.facts.test_rows_in_training > 0, outcome.facts
    assert CheckId.TEST_DATA_USE in ids(findings(assignment, outcome))


def test_an_augmented_pydataset_of_training_rows_is_not(assignment: Assignment,
                                                        evaluator: TrustedEvaluator) -> None:
    train = COMPILE + (
        "model.fit(Batches(train_x[:500], train_y[:500], noise=True), epochs=1, verbose=0,\n"
        "          validation_data=Batches(train_x[500:600], train_y[500:600]))\n")
    outcome = run(assignment, evaluator, script(transform=TRANSFORM, train=train))
    assert outcome.status is RunStatus.OK, outcome.stderr
    assert outcome.facts is not None and outcome.facts.test_rows_in_training == 0
    assert findings(assignment, outcome) == []


def test_a_pydataset_of_test_rows_used_only_to_predict_is_not(
        assignment: Assignment, evaluator: TrustedEvaluator) -> None:
    # transform predicts through a PyDataset once the model is trained: on the test rows too,
    # when the provided evaluation calls it
    predicting = TRANSFORM.replace(
        "def transform(batch):\n",
        "trained = []\n\n\ndef transform(batch):\n"
        "    if trained:\n"
        "        trained.append(model.predict(Batches(batch, np.zeros(len(batch))), verbose=0))\n",
    ).replace("transform(images.astype(np.float32))", "images.astype(np.float32)[..., None]")
    train = COMPILE + ("model.fit(transform(train_x[:500]), train_y[:500], epochs=1, verbose=0)\n"
                       "trained.append(True)\n")
    outcome = run(assignment, evaluator, script(transform=predicting, build=BUILD, train=train))
    assert outcome.status is RunStatus.OK, outcome.stderr
    assert outcome.facts is not None and outcome.facts.test_rows_in_training == 0
    assert findings(assignment, outcome) == []


def orders(assignment: Assignment, evaluator: TrustedEvaluator, seed: str) -> list[RunOutcome]:
    """Two runs fitting a PyDataset over training rows drawn in an order from ``rng(seed)``."""
    train = ("import datetime\nSEED = datetime.date.today().toordinal()\n"
             f"order = np.random.default_rng({seed}).permutation(500)\n" + COMPILE +
             "model.fit(Batches(train_x[order], train_y[order]), epochs=1, verbose=0,\n"
             "          shuffle=False)\n")
    outcomes = [run(assignment, evaluator, script(transform=TRANSFORM, train=train), index)
                for index in range(2)]
    for outcome in outcomes:
        assert outcome.status is RunStatus.OK, outcome.stderr
    return outcomes


def test_a_pydatasets_order_fixed_by_a_dated_seed_is_a_seed(
        assignment: Assignment, evaluator: TrustedEvaluator) -> None:
    outcomes = orders(assignment, evaluator, "SEED")
    first, second = (dict(o.facts.fingerprints) for o in outcomes if o.facts is not None)
    assert first["order"] == second["order"]
    assert CheckId.SEED in ids(findings(assignment, *outcomes))


def test_a_pydatasets_unseeded_order_is_not(assignment: Assignment,
                                            evaluator: TrustedEvaluator) -> None:
    outcomes = orders(assignment, evaluator, "")
    first, second = (dict(o.facts.fingerprints) for o in outcomes if o.facts is not None)
    assert first["order"] != second["order"]
    assert findings(assignment, *outcomes) == []
