"""Each runtime check: a case that must trigger it and a near miss that must not."""

from __future__ import annotations

from dataclasses import replace

import pytest

from grader.checks.runtime import RUNTIME_CHECKS
from grader.judge.grade import run_context, runtime_findings
from grader.records import OriginalScript, RunOutcome, RunStatus
from grader.spec import Assignment
from tests.runtime_fakes import PATTERNS, facts, outcome

ORIGINAL = OriginalScript(
    task="task1", path="task1.py", text="", regions=(), test_names=frozenset({"test_x", "test_y"}),
    dataset_name="dataset.txt", flags=("full_output", "show_analysis"), output_patterns=PATTERNS,
)


def found(assignment: Assignment, outcomes: list[RunOutcome], task: str = "task1") -> set[str]:
    ctx = run_context(
        assignment=assignment, task=assignment.task(task), original=ORIGINAL, outcomes=outcomes
    )
    return {f.check for f in runtime_findings(ctx)}


def five(**kw: object) -> list[RunOutcome]:
    """Five good runs with slightly different errors; ``kw`` changes run 2."""
    runs = [outcome(i, error=2.0 + i * 0.1) for i in range(5)]
    runs[2] = outcome(2, error=2.2, **kw)  # type: ignore[arg-type]
    return runs


def test_every_check_has_a_unique_stable_id() -> None:
    ids = [c.id for c in RUNTIME_CHECKS]
    # three sandbox ids and the status ids are separate classes; each class appears once
    assert len({type(c) for c in RUNTIME_CHECKS}) == len(RUNTIME_CHECKS)
    assert all(i and i == i.strip() for i in ids)


def test_clean_runs_give_no_finding(assignment: Assignment) -> None:
    assert found(assignment, five()) == set()


CASES = {
    # check id: (outcomes that must trigger it, a near miss that must not)
    "run.failed": (
        five(status=RunStatus.FAILED, stdout="", stderr="ValueError: shapes"),
        five(stderr="a warning on stderr, exit 0"),
    ),
    "run.timeout": (five(status=RunStatus.TIMEOUT, stdout=""), five(wall=290.0, duration=289.0)),
    "run.memory": (five(status=RunStatus.MEMORY, stdout=""), five(max_rss_mb=3900.0)),
    "dataset.modified": (five(dataset_intact=False), five(dataset_intact=True)),
    "output.format": (
        [outcome(i, stdout=f"acc 0.98\nTest error: 2.{i}0%\nModel size: 20000\nDuration: 30.0s\n")
         for i in range(5)],
        [outcome(i, stdout=f"Test error: 2.{i}0%\nModel size: 20000\nDuration: 30.0s")
         for i in range(5)],  # no final newline is still the three lines
    ),
    "output.mismatch": (
        five(stdout="Test error: 2.20%\nModel size: 100\nDuration: 30.0s\n"),
        five(wall=35.0, duration=29.0),  # start-up and tear-down within the slack
    ),
    "training.none": (five(facts=facts(training_calls=())), five(facts=facts())),
    "pretrained": (
        five(facts=facts(weights_loaded=("Model.load_weights(w.h5)",))),
        five(facts=facts(weights_loaded=())),
    ),
    "layers.required": (
        five(facts=facts(layers=("Flatten", "Dense", "Dense"))),
        five(facts=facts(layers=("SeparableConv2D", "Dense"))),
    ),
    "seed": (five(facts=facts(seed_calls=("numpy.random.seed(0)",))), five(facts=facts())),
    "test_data.use": (
        five(facts=facts(test_rows_in_training=1000)),
        five(facts=facts(test_rows_in_training=2)),
    ),
    "sandbox.file": (five(facts=facts(files_opened=("/etc/passwd",))), five()),
    "sandbox.network": (five(facts=facts(sockets=("connect 10.0.0.1:80",))), five()),
    "sandbox.process": (five(facts=facts(subprocesses=("/bin/sh -c ls",))), five()),
    "params.max": (
        [outcome(i, size=1_000_001, error=2.0 + i / 10) for i in range(5)],
        [outcome(i, size=1_000_000, error=2.0 + i / 10) for i in range(5)],
    ),
    "error.max": (
        [outcome(i, error=12.0 + i / 10) for i in range(5)],  # mean 12.2 %
        [outcome(i, error=11.8 + i / 10) for i in range(5)],  # mean 12.0 %: at the line passes
    ),
    "time.max": (
        [outcome(i, wall=300.0, duration=299.0, error=2 + i / 10) for i in range(5)],
        [outcome(i, wall=299.0, duration=298.0, error=2 + i / 10) for i in range(5)],
    ),
    "runs.deterministic": (
        [outcome(i, error=1.9) for i in range(5)],
        [outcome(i, error=1.9 if i < 4 else 2.0) for i in range(5)],
    ),
}


@pytest.mark.parametrize("check_id", sorted(CASES))
def test_check_triggers_and_near_miss_does_not(assignment: Assignment, check_id: str) -> None:
    trigger, near_miss = CASES[check_id]
    assert check_id in found(assignment, trigger)
    assert check_id not in found(assignment, near_miss)


def test_recurrent_layers_satisfy_task2_but_not_task1(assignment: Assignment) -> None:
    rnn = [outcome(i, error=2 + i / 10, facts=facts(layers=("Bidirectional", "GRU", "Dense")))
           for i in range(5)]
    assert "layers.required" not in found(assignment, rnn, task="task2")
    assert "layers.required" in found(assignment, rnn, task="task1")


def test_two_identical_runs_are_not_enough_to_suspect_a_seed(assignment: Assignment) -> None:
    assert "runs.deterministic" not in found(assignment, [outcome(i, error=1.9) for i in range(2)])


def test_a_run_without_facts_proves_nothing_but_none_at_all_is_flagged(
    assignment: Assignment,
) -> None:
    some = five(facts=None)
    assert "training.none" not in found(assignment, some)
    none = [replace(o, facts=None) for o in five()]
    assert "training.none" in found(assignment, none)


def test_a_fact_seen_in_several_runs_names_each_of_them(assignment: Assignment) -> None:
    seeded = [outcome(i, error=2.0 + i / 10, facts=facts(seed_calls=("numpy.random.seed",)))
              if i in (1, 3) else outcome(i, error=2.0 + i / 10) for i in range(5)]
    ctx = run_context(assignment=assignment, task=assignment.task("task1"), original=ORIGINAL,
                      outcomes=seeded)
    [message] = [f.message for f in runtime_findings(ctx) if "at run time" in f.message]
    assert message.startswith("runs 2, 4 seeded a random number generator at run time")
    alone = five(facts=facts(seed_calls=("numpy.random.seed",)))
    ctx = run_context(assignment=assignment, task=assignment.task("task1"), original=ORIGINAL,
                      outcomes=alone)
    assert any(f.message.startswith("run 3 seeded") for f in runtime_findings(ctx))
