"""Issue 10 against real TensorFlow: hand-ins that forge, seed, leak, skip training or idle the
required layer, each run once under the grader's split and evaluation, beside near misses.

Each script is task1's original with its three YOUR CODE regions filled in; it trains a small
CNN for two epochs on a thousand training rows (a few seconds), enough to prove a hook. One
trusted evaluator (tests/run/conftest.py) serves the module, as one serves an executor.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from grader.ids import CheckId
from grader.judge.grade import run_context, runtime_findings
from grader.original.parse import parse_original
from grader.records import Finding, RunOutcome, RunSpec, RunStatus
from grader.run.evaluator import TrustedEvaluator
from grader.run.flags import force_flags
from grader.run.one import run_one
from grader.run.planning import run_trust
from grader.spec import Assignment, load_assignment

pytestmark = pytest.mark.tensorflow

TRANSFORM = "def transform(batch):\n    return batch[..., np.newaxis]\n"
BUILD = """from tensorflow import keras

model = keras.Sequential([
    keras.Input((28, 28, 1)),
    keras.layers.Conv2D(8, 3, activation="relu"),
    keras.layers.MaxPooling2D(),
    keras.layers.Flatten(),
    keras.layers.Dense(10),
])
"""
TRAIN = """model.compile("adam", keras.losses.SparseCategoricalCrossentropy(from_logits=True))
model.fit(transform(train_x[:1000]), train_y[:1000], epochs=2, verbose=0)
"""
#: the ids these cases are about (error.max and time.max judge the tiny models' numbers)
WATCHED = {CheckId.OUTPUT_MISMATCH, CheckId.SEED, CheckId.PRETRAINED, CheckId.TRAINING_NONE,
           CheckId.LAYERS_REQUIRED, CheckId.TEST_DATA_USE, CheckId.SANDBOX_FILE,
           CheckId.RUN_FAILED, CheckId.OUTPUT_FORMAT}


def script(*, transform: str = TRANSFORM, build: str = BUILD, train: str = TRAIN) -> str:
    """task1's original with its three student regions replaced."""
    text = Path(load_assignment().task("task1").original).read_text()
    bodies = iter([transform, build, train])
    return re.sub(r"(# ==== YOUR CODE:[^\n]*\n)(.*?)(# ==== END YOUR CODE ====)",
                  lambda m: m.group(1) + next(bodies) + m.group(3), text, flags=re.S)


def run(assignment: Assignment, evaluator: TrustedEvaluator, text: str,
        index: int = 0) -> RunOutcome:
    task = assignment.task("task1")
    original = parse_original(task)
    text = force_flags(text, {name: False for name in original.flags})
    spec = RunSpec(
        submission_id="s", task="task1", index=index, script_name=task.file, script_text=text,
        script_sha256="0", dataset_path=str(assignment.dataset),
        dataset_sha256=assignment.dataset_sha256, timeout_s=300,
        memory_mb=assignment.limits.memory_mb, output_kb=assignment.limits.output_kb,
        processes=assignment.limits.processes, threads=1,
        test_names=tuple(sorted(original.test_names)), trust=run_trust(original, text, task))
    return run_one(spec, evaluator=evaluator)


def findings(assignment: Assignment, *outcomes: RunOutcome) -> list[Finding]:
    task = assignment.task("task1")
    ctx = run_context(assignment=assignment, task=task, original=parse_original(task),
                      outcomes=list(outcomes))
    return [f for f in runtime_findings(ctx) if f.check in WATCHED]


def ids(found: list[Finding]) -> set[str]:
    return {f.check for f in found}


def test_honest_runs_are_measured_by_the_grader_and_clean(assignment: Assignment,
                                                          evaluator: TrustedEvaluator) -> None:
    first = run(assignment, evaluator, script(), 0)
    second = run(assignment, evaluator, script(), 1)
    for outcome in (first, second):
        assert outcome.status is RunStatus.OK, outcome.stderr
        assert outcome.evaluation is not None and outcome.evaluation.by == "grader"
        assert outcome.facts is not None and outcome.facts.split_applied
        assert outcome.evaluation.params == 13_610 == outcome.facts.count_params_at_print
        assert outcome.evaluation.required_works is True
        printed = float(outcome.stdout.split("%")[0].split()[-1])
        assert abs(printed - (outcome.evaluation.error_pct or 0)) <= 0.5
    assert first.facts is not None and second.facts is not None
    assert dict(first.facts.fingerprints)["weights"] != dict(second.facts.fingerprints)["weights"]
    assert "tensorflow_seed" not in dict(first.facts.fingerprints)  # never set: not a witness
    assert findings(assignment, first, second) == []


def test_results_printed_before_the_evaluation_ran_are_a_mismatch(
        assignment: Assignment, evaluator: TrustedEvaluator) -> None:
    forged = TRAIN + ('print("Test error: 0.40%")\nprint(f"Model size: {model.count_params()}")\n'
                      'print(f"Duration: {time.time() - start_time:.1f}s")\nsys.exit(0)\n')
    outcome = run(assignment, evaluator, script(train=forged))
    assert outcome.evaluation is not None and outcome.evaluation.by == "none"
    assert ids(findings(assignment, outcome)) == {CheckId.OUTPUT_MISMATCH}


def test_a_predict_and_count_params_set_on_the_instance_change_nothing_measured(
        assignment: Assignment, evaluator: TrustedEvaluator) -> None:
    forged = TRAIN + ('setattr(model, "pre" + "dict", lambda x, verbose=0: np.eye(10)[np.zeros('
                      'len(x), dtype=int)] if len(x) != 1000 else np.eye(10)[test_y])\n'
                      'model.count_params = lambda: 4\n')
    outcome = run(assignment, evaluator, script(train=forged))
    assert outcome.stdout.startswith("Test error: 0.00%")
    assert outcome.evaluation is not None and outcome.evaluation.error_pct
    assert outcome.evaluation.params == 13_610
    found = findings(assignment, outcome)
    assert ids(found) == {CheckId.OUTPUT_MISMATCH} and "grader measured" in found[0].message


def test_fixed_generator_states_are_seeds_by_their_effect(assignment: Assignment,
                                                          evaluator: TrustedEvaluator) -> None:
    seeded = ("import random as r\n\nr.setstate(r.Random(abs(-1337)).getstate())\n"
              "np.random.set_state(np.random.RandomState(len('seed')).get_state())\n" + BUILD)
    outcomes = [run(assignment, evaluator, script(build=seeded), i) for i in range(2)]
    found = findings(assignment, *outcomes)
    assert CheckId.SEED in ids(found), found
    assert any("initial weights" in f.message or "state" in f.message for f in found)


def test_tensorflows_global_seed_alone_is_a_seed_by_its_effect(
        assignment: Assignment, evaluator: TrustedEvaluator) -> None:
    seeded = "import tensorflow as tf\n\ngetattr(tf.random, 'set_' + 'seed')(int('5'))\n" + BUILD
    outcomes = [run(assignment, evaluator, script(build=seeded), i) for i in range(2)]
    messages = [f.message for f in findings(assignment, *outcomes) if f.check == CheckId.SEED]
    assert any("TensorFlow's global seed" in m for m in messages), messages


def test_a_custom_loop_on_test_rows_is_leakage_and_on_training_rows_is_not(
        assignment: Assignment, evaluator: TrustedEvaluator) -> None:
    loop = TRAIN + """import tensorflow as tf

rows = globals()["te" + "st_x"] * 2 - 1
optimizer = keras.optimizers.SGD(0.001)
for start in range(0, 200, 50):
    batch = transform((rows[start:start + 50] + 1) / 2)
    with tf.GradientTape() as tape:
        scores = model(batch, training=True)
        loss = tf.reduce_mean(keras.losses.sparse_categorical_crossentropy(
            tf.argmax(scores, axis=1), scores, from_logits=True))
    optimizer.apply_gradients(zip(tape.gradient(loss, model.trainable_variables),
                                  model.trainable_variables))
"""
    leaked = run(assignment, evaluator, script(train=loop))
    assert ids(findings(assignment, leaked)) == {CheckId.TEST_DATA_USE}
    honest = run(assignment, evaluator, script(train=loop.replace('"te" + "st_x"', '"train_x"')))
    assert findings(assignment, honest) == []


def test_a_transform_that_trains_when_tested_is_late_training(
        assignment: Assignment, evaluator: TrustedEvaluator) -> None:
    sneaky = ("seen = []\n\n\ndef transform(batch):\n    seen.append(len(batch))\n"
              "    if len(seen) > 1 and len(batch) == 1000:\n"
              "        model.fit(batch[:20, ..., np.newaxis], np.zeros(20), verbose=0)\n"
              "    return batch[..., np.newaxis]\n")
    outcome = run(assignment, evaluator, script(transform=sneaky))
    found = findings(assignment, outcome)
    # the fine-tune may also move the printed error away from the grader's measurement of the
    # model as it left the process: output.mismatch beside it is right, not required
    assert CheckId.TEST_DATA_USE in ids(found), found
    assert ids(found) <= {CheckId.TEST_DATA_USE, CheckId.OUTPUT_MISMATCH}, found
    assert outcome.facts is not None and outcome.facts.late_training


def test_weights_set_from_elsewhere_are_pretrained_and_restored_ones_are_not(
        assignment: Assignment, evaluator: TrustedEvaluator) -> None:
    literal = TRAIN + "model.set_weights([w * 0 + 0.01 for w in model.get_weights()])\n"
    outcome = run(assignment, evaluator, script(train=literal))
    assert CheckId.PRETRAINED in ids(findings(assignment, outcome))
    restored = TRAIN.replace("model.fit(", "best = None\nmodel.fit(") + (
        "best = model.get_weights()\n"
        "model.fit(transform(train_x[:100]), train_y[:100], epochs=1, verbose=0)\n"
        "model.set_weights(best)\n")
    assert findings(assignment, run(assignment, evaluator, script(train=restored))) == []


def test_fit_with_no_epoch_is_no_training(assignment: Assignment,
                                          evaluator: TrustedEvaluator) -> None:
    idle = TRAIN.replace("epochs=2", "epochs=0")
    outcome = run(assignment, evaluator, script(train=idle))
    assert outcome.facts is not None and outcome.facts.weights_changed is False
    assert CheckId.TRAINING_NONE in ids(findings(assignment, outcome))


def test_a_convolution_multiplied_by_zero_does_no_work(assignment: Assignment,
                                                       evaluator: TrustedEvaluator) -> None:
    idle = BUILD.replace('keras.layers.Conv2D(8, 3, activation="relu"),',
                         'keras.layers.Conv2D(8, 3), keras.layers.Rescaling(0.0),')
    outcome = run(assignment, evaluator, script(build=idle))
    found = findings(assignment, outcome)
    assert ids(found) == {CheckId.LAYERS_REQUIRED}, found


def test_tensorflows_own_file_reads_are_recorded(assignment: Assignment,
                                                 evaluator: TrustedEvaluator) -> None:
    reading = TRAIN + 'blob = tf.io.read_file("data" + "set.txt")\n'
    outcome = run(assignment, evaluator, script(train=reading))
    assert outcome.facts is not None
    assert any("tf.io.read_file" in entry for entry in outcome.facts.files_opened)


def test_a_model_that_cannot_leave_is_evaluated_by_the_harness(
        assignment: Assignment, evaluator: TrustedEvaluator) -> None:
    custom = BUILD + """

class Twice(keras.layers.Layer):
    def call(self, inputs):
        return inputs * 2


model = keras.Sequential([model, Twice()])
"""
    outcome = run(assignment, evaluator, script(build=custom))
    assert outcome.evaluation is not None and outcome.evaluation.by == "harness", outcome
    assert outcome.evaluation.params == 13_610
    assert findings(assignment, outcome) == []
