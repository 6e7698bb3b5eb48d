"""Issue 10 without TensorFlow: the split and the evaluation's start read from the originals, the
grader's draw, the child's split and checkpoint in a real child process, the delivery, the
grader's numbers in the judge, and the runtime checks on what was measured (each with a case
that must trigger it and a near miss that must not)."""

from __future__ import annotations

import dataclasses
import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from grader.harness import Delivery, command, decode_delivery, decode_facts
from grader.ids import CheckId
from grader.judge.grade import run_context, runtime_findings
from grader.judge.summary import parse_run
from grader.original.parse import OriginalError, parse_original, parse_original_text
from grader.original.split import find_split, locate
from grader.records import Evaluation, Finding, RunOutcome, RunTrust
from grader.run.exchange import Exchange
from grader.run.trust import dataset_rows, draw_split, measure, withhold
from grader.sandbox.workdirs import memory_file
from grader.spec import Assignment, load_assignment
from grader.store.codec import outcome_from_json, outcome_to_json
from tests.runtime_fakes import PATTERNS, facts, outcome

ROOT = Path(__file__).resolve().parent.parent
TRUST = RunTrust(split_call="numpy.random.permutation", split_lines=(3,), test_start=4,
                 test_stop=None, evaluate_line=6, required_layer="convolution")


@pytest.fixture(scope="module")
def assignment() -> Assignment:
    return load_assignment()


# ---------------------------------------------------------------- the originals and the hand-ins


@pytest.mark.parametrize("task", ["task1", "task2"])
def test_the_split_and_the_evaluation_are_read_from_each_original(assignment: Assignment,
                                                                  task: str) -> None:
    spec = assignment.task(task)
    site = find_split(parse_original(spec))
    assert (site.call, site.test_start, site.test_stop) == ("numpy.random.permutation", 4000,
                                                            None)
    solution = Path(spec.solution).read_text()
    lines, evaluation = locate(solution, site)
    texts = solution.splitlines()
    assert [texts[n - 1].strip() for n in lines] == [
        "order = np.random.permutation(len(images))"]
    assert evaluation is not None and texts[evaluation - 1].strip() == "if model is None:"


def test_locate_finds_reformatted_statements_and_nothing_in_a_hand_in_without_them(
        assignment: Assignment) -> None:
    site = find_split(parse_original(assignment.task("task1")))
    text = Path(assignment.task("task1").solution).read_text()
    spread = text.replace("np.random.permutation(len(images))",
                          "np.random.permutation(\n    len(images)  # all of them\n)")
    lines, evaluation = locate(spread, site)
    assert len(lines) == 3 and evaluation is not None
    assert locate(text.replace("if model is None:", "if model is None or False:"), site)[1] is None
    assert locate("not python (", site) == ((), None)


def test_an_original_whose_test_set_is_no_slice_has_no_split(assignment: Assignment) -> None:
    text = Path(assignment.task("task1").original).read_text().replace(
        "test_x, test_y = images[order[4000:]], labels[order[4000:]]",
        "test_x, test_y = images[4000:], labels[4000:]")
    with pytest.raises(OriginalError):
        find_split(parse_original_text(text, task="task1", path="task1.py"))


def test_the_grader_draws_a_fresh_uniform_permutation_each_time() -> None:
    draws = [draw_split(5000) for _ in range(3)]
    assert all(sorted(d) == list(range(5000)) for d in draws)
    assert draws[0] != draws[1] != draws[2]
    firsts = [draw_split(4)[0] for _ in range(4000)]
    assert all(800 < firsts.count(i) < 1200 for i in range(4))  # every row can come first


def test_the_test_labels_are_the_permutations_test_slice(assignment: Assignment) -> None:
    lines = dataset_rows(str(assignment.dataset), assignment.dataset_sha256)
    labels = [int(line.split()[1]) for line in lines if line.strip()]
    assert len(labels) == 5000 and set(labels) == set(range(10))
    order = draw_split(len(labels))
    withheld = withhold(lines, order, dataclasses.replace(TRUST, test_start=4000))
    assert list(withheld.labels) == [labels[i] for i in order[4000:]]


# ------------------------------------------------------------ the child: split and checkpoint

SCRIPT = """\
import numpy as np
data = [0, 1, 2, 3, 4, 5, 6, 7]
order = np.random.permutation(len(data))
print("order", np.asarray(order).tolist())
model = None
if model is None:
    print("evaluating")
raise ValueError("line 8")
"""


def _child(tmp_path: Path, script: str, *, evaluate_at: int = 6) -> tuple[
        subprocess.CompletedProcess[str], bytes, Delivery | None]:
    """``script`` run under the harness with the grader's split ([7, 6, ..., 0]: rows 3..0 are
    the test rows) and the grader's side of the checkpoint's exchange."""
    (tmp_path / "task1.py").write_text(script)
    (tmp_path / "dataset.txt").write_text("".join(f"{'01' * 392} {i % 10}\n" for i in range(8)))
    split = memory_file("split")
    os.pwrite(split, json.dumps([7, 6, 5, 4, 3, 2, 1, 0]).encode(), 0)
    facts_path = tmp_path / "facts"
    trust = dataclasses.replace(TRUST, evaluate_line=evaluate_at)
    ours, theirs = socket.socketpair()
    exchange = Exchange(sock=ours, images=bytes(784 * 4), rows=4, labels=[3, 2, 1, 0])
    exchange.start()
    with open(facts_path, "wb") as facts_file, theirs:
        argv = command(python=sys.executable, facts_fd=facts_file.fileno(),
                       dataset="dataset.txt", test_names=("test_x",), figure=None,
                       script="task1.py", trust=trust, split_fd=split,
                       exchange_fd=theirs.fileno())
        done = subprocess.run(argv, cwd=tmp_path, capture_output=True, text=True, check=False,
                              pass_fds=(facts_file.fileno(), theirs.fileno(), split),
                              timeout=120,
                              env={"PATH": os.environ.get("PATH", ""), "HOME": str(tmp_path)})
    os.close(split)
    return done, facts_path.read_bytes(), exchange.finish()


def test_the_split_call_returns_the_graders_permutation_and_the_checkpoint_fires(
        tmp_path: Path) -> None:
    done, document, delivered = _child(tmp_path, SCRIPT)
    assert done.stdout == "order [7, 6, 5, 4, 3, 2, 1, 0]\nevaluating\n"
    assert 'line 8, in <module>\n    raise ValueError("line 8")' in done.stderr  # lines kept
    seen = decode_facts(document)
    assert seen is not None and seen.split_applied and seen.evaluation_reached
    assert delivered is not None and delivered.model is None and delivered.predictions is None
    assert "not a Keras model" in delivered.note


def test_a_permutation_called_elsewhere_is_the_scripts_own(tmp_path: Path) -> None:
    moved = SCRIPT.replace("order = np.random.permutation(len(data))",
                           "order = list(range(8))\nmine = np.random.permutation(8)")
    done, document, _ = _child(tmp_path, moved, evaluate_at=7)
    seen = decode_facts(document)
    assert seen is not None and not seen.split_applied and seen.evaluation_reached
    assert "order [0, 1, 2" in done.stdout


def test_a_run_that_exits_before_the_evaluation_never_reaches_it(tmp_path: Path) -> None:
    done, document, delivered = _child(tmp_path, SCRIPT.replace("model = None",
                                                                "raise SystemExit(0)"))
    seen = decode_facts(document)
    assert done.returncode == 0 and seen is not None and not seen.evaluation_reached
    assert delivered is None


# ---------------------------------------------------------------------------- the delivery


def test_a_delivery_decodes_and_garbage_does_not() -> None:
    header = {"version": 1, "model": True, "inputs": True, "predictions": [1, 2], "params": 7,
              "sizes": [3, 2]}
    good = json.dumps(header).encode() + b"\nabcde"
    delivery = decode_delivery(good)
    assert delivery is not None and (delivery.model, delivery.inputs) == (b"abc", b"de")
    assert delivery.predictions == (1, 2) and delivery.params == 7
    for bad in (b"", b"no newline", b"[]\n", b'{"version": 9}\n', b'{"version": 1}\n',
                b'{"version": 1, "sizes": [-1]}\n'):
        assert decode_delivery(bad) is None
    odd = decode_delivery(json.dumps({**header, "predictions": [True, "x"]}).encode() + b"\n")
    assert odd is not None and odd.predictions is None and odd.model is None


def test_without_a_trusted_evaluator_the_harness_predictions_are_scored() -> None:
    delivery = decode_delivery(json.dumps({"version": 1, "predictions": [1, 2, 3, 4],
                                           "params": 9, "sizes": []}).encode() + b"\n")
    measured = measure(delivery=delivery, labels=[1, 2, 0, 0], trust=TRUST, evaluator=None)
    assert measured == Evaluation(by="harness", error_pct=50.0, params=9)
    short = measure(delivery=delivery, labels=[1, 2], trust=TRUST, evaluator=None)
    assert short is not None and short.by == "none"
    assert measure(delivery=None, labels=[1], trust=TRUST, evaluator=None) is None


# ------------------------------------------------------------------------ judging and checks


def _findings(assignment: Assignment, *outcomes: RunOutcome, task: str = "task1") -> list[
        Finding]:
    spec = assignment.task(task)
    ctx = run_context(assignment=assignment, task=spec, original=parse_original(spec),
                      outcomes=list(outcomes))
    return runtime_findings(ctx)


def _ids(found: list[Finding]) -> set[str]:
    return {f.check for f in found}


def _measured(index: int = 0, *, error: float = 2.5, by: str = "grader", **fact_changes: object
              ) -> RunOutcome:
    changes: dict[str, object] = {"split_applied": True, "evaluation_reached": True,
                                  **fact_changes}
    return outcome(index, error=error, size=20_000, harness=facts(**changes),  # type: ignore[arg-type]
                   evaluation=Evaluation(by=by, error_pct=error if by != "none" else None,
                                         params=20_000 if by != "none" else None))


def test_the_verdict_uses_the_graders_numbers_and_says_who_measured() -> None:
    printed = outcome(error=1.0, size=20_000, evaluation=Evaluation(by="grader", error_pct=3.0,
                                                                    params=21_000))
    metrics, _ = parse_run(printed, patterns=PATTERNS,
                           fields=("error_pct", "model_size", "duration_s"))
    assert (metrics.error_pct, metrics.model_size, metrics.evaluated_by) == (3.0, 21_000,
                                                                              "grader")
    assert metrics.to_json()["evaluated_by"] == "grader"


def test_measured_runs_that_agree_are_clean(assignment: Assignment) -> None:
    runs = [_measured(i, fingerprints=(("weights", f"w{i}"), ("python", f"p{i}")),
                      weights_changed=True, layer_changes=(("Conv2D", True), ("Dense", True)))
            for i in range(3)]
    found = _findings(assignment, *runs)
    assert not _ids(found) & {CheckId.OUTPUT_MISMATCH, CheckId.SEED, CheckId.TRAINING_NONE,
                              CheckId.LAYERS_REQUIRED, CheckId.PRETRAINED,
                              CheckId.TEST_DATA_USE}, found


def test_a_printed_error_the_grader_did_not_measure_is_a_mismatch(assignment: Assignment) -> None:
    forged = dataclasses.replace(_measured(error=0.4), evaluation=Evaluation(
        by="grader", error_pct=41.0, params=20_000))
    assert CheckId.OUTPUT_MISMATCH in _ids(_findings(assignment, forged))
    close = dataclasses.replace(_measured(error=2.5), evaluation=Evaluation(
        by="harness", error_pct=2.8, params=20_000))
    assert CheckId.OUTPUT_MISMATCH not in _ids(_findings(assignment, close))


def test_results_without_the_evaluation_or_the_graders_split_are_a_mismatch(
        assignment: Assignment) -> None:
    assert CheckId.OUTPUT_MISMATCH in _ids(_findings(assignment, _measured(by="none")))
    own_split = _measured(split_applied=False)
    found = [f for f in _findings(assignment, own_split) if f.check == CheckId.OUTPUT_MISMATCH]
    assert found and "permutation" in found[0].message


def test_identical_fingerprints_are_a_seed_and_a_single_run_proves_nothing(
        assignment: Assignment) -> None:
    same = [_measured(i, fingerprints=(("weights", "same"), ("python", f"p{i}")))
            for i in range(2)]
    found = [f for f in _findings(assignment, *same) if f.check == CheckId.SEED]
    assert found and "initial weights" in found[0].message
    assert CheckId.SEED not in _ids(_findings(assignment, same[0]))


def test_weights_set_late_training_and_unchanged_weights_are_found(
        assignment: Assignment) -> None:
    assert CheckId.PRETRAINED in _ids(_findings(assignment, _measured(
        weights_set=("Sequential.set_weights (values not from training)",))))
    assert CheckId.TEST_DATA_USE in _ids(_findings(assignment, _measured(
        late_training=("Model.fit",))))
    assert CheckId.TRAINING_NONE in _ids(_findings(assignment, _measured(weights_changed=False)))
    assert CheckId.TRAINING_NONE not in _ids(_findings(assignment, _measured(
        weights_changed=None)))


def test_a_required_layer_that_does_no_work_or_never_learns(assignment: Assignment) -> None:
    idle = dataclasses.replace(_measured(), evaluation=Evaluation(
        by="grader", error_pct=2.5, params=20_000, required_works=False))
    assert CheckId.LAYERS_REQUIRED in _ids(_findings(assignment, idle))
    frozen = _measured(layer_changes=(("Conv2D", False), ("Dense", True)))
    assert CheckId.LAYERS_REQUIRED in _ids(_findings(assignment, frozen))
    # near miss: one of two convolutions learned, and the recurrent task's dense layer is not
    # what it requires
    learned = _measured(layer_changes=(("Conv2D", False), ("Conv2D", True), ("Dense", False)))
    assert CheckId.LAYERS_REQUIRED not in _ids(_findings(assignment, learned))


def test_the_store_keeps_what_was_measured() -> None:
    measured = _measured(fingerprints=(("weights", "abc"),), weights_changed=True,
                         layer_changes=(("Conv2D", True),), weights_set=("x",),
                         late_training=("y",))
    assert outcome_from_json(json.loads(json.dumps(outcome_to_json(measured)))) == measured
