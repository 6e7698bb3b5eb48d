"""What the in-child harness saw: training, loaded weights, layers, seeds, test rows, I/O.

A run without facts (the harness could not report, e.g. the script crashed before anything was
recorded or wrote garbage to the channel) proves nothing either way; those runs are skipped here,
and a task none of whose finished runs reported is flagged by ``training.none``.

Several ids are also checked statically (``grader.checks.static``); the classes here are named for
what the harness observed (``WeightsLoaded``, ``FilesOpened`` ...), the static ones for what the
source shows, so no class name exists twice.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import ClassVar

from grader.checks.base import RunContext, RuntimeCheck
from grader.checks.layer_kinds import DESCRIPTION, has_required
from grader.ids import CheckId
from grader.records import Finding, HarnessFacts, RunStatus


def _reported(ctx: RunContext) -> list[tuple[int, HarnessFacts]]:
    return [(o.index, o.facts) for o in ctx.outcomes if o.facts is not None]


def _sample(items: Iterable[str], limit: int = 3) -> str:
    unique = list(dict.fromkeys(items))
    shown = ", ".join(unique[:limit])
    return shown + (f" and {len(unique) - limit} more" if len(unique) > limit else "")


class TrainingNone(RuntimeCheck):
    id = CheckId.TRAINING_NONE

    def check(self, ctx: RunContext) -> Iterable[Finding]:
        finished = [o for o in ctx.outcomes if o.status is RunStatus.OK]
        if not finished:
            return  # nothing finished: the run checks say why
        if all(o.facts is None for o in finished):
            yield self.finding(
                "the harness could not report from any finished run, so no training was observed",
                file=ctx.file_name,
            )
            return
        untrained = [o.index + 1 for o in finished if o.facts is not None
                     and not o.facts.training_calls]
        if untrained:
            yield self.finding(
                f"no gradient-descent training (fit, train_on_batch or an optimizer step) was "
                f"observed in run {', '.join(map(str, untrained))}",
                file=ctx.file_name,
            )


class _FactListCheck(RuntimeCheck):
    """A violation when any run's facts hold an entry in one list."""

    label: ClassVar[str]

    def entries(self, facts: HarnessFacts) -> tuple[str, ...]:
        raise NotImplementedError

    def check(self, ctx: RunContext) -> Iterable[Finding]:
        """One finding naming every run that did it and what they did (the first few)."""
        runs: list[int] = []
        seen: list[str] = []
        for index, facts in _reported(ctx):
            entries = self.entries(facts)
            if entries:
                runs.append(index + 1)
                seen.extend(entries)
        if runs:
            which = f"run {runs[0]}" if len(runs) == 1 else f"runs {', '.join(map(str, runs))}"
            yield self.finding(f"{which} {self.label}: {_sample(seen)}", file=ctx.file_name)


class WeightsLoaded(_FactListCheck):
    id = CheckId.PRETRAINED
    label = "loaded weights or a model from a file"

    def entries(self, facts: HarnessFacts) -> tuple[str, ...]:
        return facts.weights_loaded


class SeedCalled(_FactListCheck):
    id = CheckId.SEED
    label = "seeded a random number generator at run time"

    def entries(self, facts: HarnessFacts) -> tuple[str, ...]:
        return facts.seed_calls


class FilesOpened(_FactListCheck):
    id = CheckId.SANDBOX_FILE
    label = "opened files other than the dataset"

    def entries(self, facts: HarnessFacts) -> tuple[str, ...]:
        return facts.files_opened


class SocketsOpened(_FactListCheck):
    id = CheckId.SANDBOX_NETWORK
    label = "used the network"

    def entries(self, facts: HarnessFacts) -> tuple[str, ...]:
        return facts.sockets


class SubprocessesStarted(_FactListCheck):
    id = CheckId.SANDBOX_PROCESS
    label = "started processes"

    def entries(self, facts: HarnessFacts) -> tuple[str, ...]:
        return facts.subprocesses


class TrainedLayers(RuntimeCheck):
    id = CheckId.LAYERS_REQUIRED

    def check(self, ctx: RunContext) -> Iterable[Finding]:
        required = ctx.task.required_layer
        for index, facts in _reported(ctx):
            if not facts.models:
                continue  # nothing trained: training.none says so
            layers = [name for model in facts.models for name in model.layers]
            if not has_required(layers, required):
                yield self.finding(
                    f"run {index + 1}: the trained model lacks {DESCRIPTION[required]}; its "
                    f"layers: {_sample(layers, 8)}",
                    file=ctx.file_name,
                )
                return


class TestDataInTraining(RuntimeCheck):
    """Test images found among the rows a model was trained or validated on.

    The harness compares binarised rows, so a transformed copy of a test image still matches.
    Under the grader's split the script's test set holds decoys until its model has left
    (``grader/run/exchange.py``), which are what is compared: random noise no training row
    resembles, so any match means the script fed its test set to training. Without it (an
    original with no split the grader can own) the real test rows are compared; the dataset has
    no duplicate images. A handful is tolerated in case a student's transform maps two different
    images to the same pattern.
    """

    __test__ = False  # not a pytest test class, whatever its name
    id = CheckId.TEST_DATA_USE
    tolerated_rows = 5

    def check(self, ctx: RunContext) -> Iterable[Finding]:
        for outcome in ctx.outcomes:
            facts = outcome.facts
            if facts is not None and facts.test_rows_in_training > self.tolerated_rows:
                decoys = (" (the run's test set held decoys until its model left: the model "
                          "learned nothing from the real test rows, but the script fed its test "
                          "set to training)" if outcome.evaluation is not None else "")
                yield self.finding(
                    f"run {outcome.index + 1}: {facts.test_rows_in_training} images of the test "
                    f"set reached training or validation{decoys}",
                    file=ctx.file_name,
                )
                return
