"""What the grader measured itself (issue 10): seeds by their effect, weights set other than by
training, training that changed nothing, a required layer that does no work, training after the
provided evaluation began.

Each reads facts the harness records at a moment the script does not choose (training starting,
the provided evaluation starting) or the trusted evaluator's own numbers, so the spelling of the
student's code does not matter. Runs without those facts (made before issue 10, or canned in
tests) prove nothing either way and are skipped.
"""

from __future__ import annotations

from collections.abc import Iterable

from grader.checks.base import RunContext, RuntimeCheck
from grader.checks.layer_kinds import DESCRIPTION, REQUIRED
from grader.ids import CheckId
from grader.records import Finding

#: what each fingerprint is, for messages
WITNESSES = {
    "weights": "the model's initial weights",
    "python": "the state of Python's random generator when training started",
    "numpy": "the state of NumPy's global generator when training started",
    "keras": "the state of Keras' global seed generator when training started",
    "tensorflow": "the state of TensorFlow's global generator when training started",
    "tensorflow_seed": "TensorFlow's global seed (batch order, dropout) when training started",
    "order": "the order of the first rows that reached training, relative to the run's training "
             "rows",
    "shuffle": "the seeds of the tf.data shuffle given to training",
    "layers": "the seeds of the model's random layers (dropout, augmentation) when training "
              "started",
}


class SeedEffect(RuntimeCheck):
    """Any fingerprint identical across the runs of a task: randomness was fixed, whatever the
    spelling. Unseeded, each run starts from fresh entropy, so equal hashes do not happen."""

    id = CheckId.SEED

    def check(self, ctx: RunContext) -> Iterable[Finding]:
        seen: dict[str, list[tuple[int, str]]] = {}
        for outcome in ctx.outcomes:
            if outcome.facts is None:
                continue
            for name, value in outcome.facts.fingerprints:
                seen.setdefault(name, []).append((outcome.index + 1, value))
        for name, values in seen.items():
            if len(values) >= 2 and len({value for _, value in values}) == 1:
                runs = ", ".join(str(index) for index, _ in values)
                what = WITNESSES.get(name, name)
                yield self.finding(f"{what} was identical in runs {runs}: a random number "
                                   "generator was seeded", file=ctx.file_name)
                return


class WeightsSet(RuntimeCheck):
    """Weights assigned other than by training (set_weights with values no get_weights gave,
    assign before any gradient was taken): not trained from scratch."""

    id = CheckId.PRETRAINED

    def check(self, ctx: RunContext) -> Iterable[Finding]:
        for outcome in ctx.outcomes:
            if outcome.facts is not None and outcome.facts.weights_set:
                yield self.finding(
                    f"run {outcome.index + 1} set weights other than by training: "
                    f"{', '.join(outcome.facts.weights_set[:3])}", file=ctx.file_name)
                return


class TrainingIneffective(RuntimeCheck):
    """Training calls were made, but the evaluated model's weights are those it had when the
    first one started: no gradient step changed it (``fit(epochs=0)`` after a closed form)."""

    id = CheckId.TRAINING_NONE

    def check(self, ctx: RunContext) -> Iterable[Finding]:
        for outcome in ctx.outcomes:
            if outcome.facts is not None and outcome.facts.weights_changed is False:
                yield self.finding(
                    f"run {outcome.index + 1}: no gradient step changed the evaluated model's "
                    "weights", file=ctx.file_name)
                return


class RequiredLayerIdle(RuntimeCheck):
    """The required layer must learn and matter: its weights changed in training, and zeroing
    them (in the trusted evaluator) changes the predictions."""

    id = CheckId.LAYERS_REQUIRED

    def check(self, ctx: RunContext) -> Iterable[Finding]:
        wanted = REQUIRED[ctx.task.required_layer]
        what = DESCRIPTION[ctx.task.required_layer]
        for outcome in ctx.outcomes:
            run = f"run {outcome.index + 1}"
            evaluation = outcome.evaluation
            if evaluation is not None and evaluation.required_works is False:
                yield self.finding(f"{run}: zeroing the weights of {what} leaves the model's "
                                   "predictions unchanged: its output does no work",
                                   file=ctx.file_name)
                return
            facts = outcome.facts
            required = [changed for name, changed in (facts.layer_changes if facts else ())
                        if name in wanted]
            if required and not any(required):
                yield self.finding(f"{run}: training did not change the weights of {what}",
                                   file=ctx.file_name)
                return


class LateTraining(RuntimeCheck):
    """Training after the provided evaluation started: the model learned while, or from, being
    tested (a ``transform`` that fine-tunes when it is given the test images)."""

    id = CheckId.TEST_DATA_USE

    def check(self, ctx: RunContext) -> Iterable[Finding]:
        for outcome in ctx.outcomes:
            if outcome.facts is not None and outcome.facts.late_training:
                yield self.finding(
                    f"run {outcome.index + 1} trained after the provided evaluation started: "
                    f"{', '.join(outcome.facts.late_training[:3])}", file=ctx.file_name)
                return
