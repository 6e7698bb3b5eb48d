"""JSON round trips of the records the store keeps (static results and run outcomes).

The store holds raw observations, never verdicts: verdicts are derived when results are built, so
a fix to a check re-grades a stored class without running anything.
"""

from __future__ import annotations

import base64
from typing import Any

from grader.records import (
    DiffSummary,
    Evaluation,
    Finding,
    HandIn,
    HarnessFacts,
    ModelFact,
    RunOutcome,
    RunStatus,
    Severity,
    StaticResult,
)


def expect(value: Any, kind: type, *others: type | None) -> Any:
    """``value`` if it is a ``kind`` (or one of ``others``; None allows None), else TypeError.

    What the store hands back is checked, not trusted: a row written by another program or
    damaged on disk must fail here, as one damaged-store error, not deep in the report."""
    kinds = tuple(type(None) if k is None else k for k in (kind, *others))
    if isinstance(value, bool) and bool not in kinds:
        raise TypeError(f"expected {kind.__name__}, got {value!r}")
    if not isinstance(value, kinds):
        raise TypeError(f"expected {kind.__name__}, got {type(value).__name__} {value!r:.40}")
    return value


def _number(value: Any) -> float:
    return float(expect(value, float, int))


def _texts(value: Any) -> tuple[str, ...]:
    return tuple(expect(item, str) for item in expect(value, list, tuple))


def _evaluation(data: dict[str, Any] | None) -> Evaluation | None:
    if data is None:
        return None
    return Evaluation(
        by=expect(data["by"], str),
        error_pct=None if data.get("error_pct") is None else _number(data["error_pct"]),
        params=expect(data.get("params"), int, None),
        required_works=expect(data.get("required_works"), bool, None),
        note=expect(data.get("note", ""), str),
    )


def finding_from_json(data: dict[str, Any]) -> Finding:
    return Finding(
        check=expect(data["check"], str),
        severity=Severity(data["severity"]),
        message=expect(data["message"], str),
        file=expect(data.get("file"), str, None),
        line=expect(data.get("line"), int, None),
    )


def hand_in_from_json(data: dict[str, Any]) -> HandIn:
    """A stored hand-in, every field checked (TypeError for a damaged row)."""
    expect(data, dict)
    return HandIn(
        name=expect(data.get("name", ""), str),
        vle_id=expect(data.get("vle_id", ""), str),
        submitted_at=expect(data.get("submitted_at"), str, None),
        time_source=expect(data.get("time_source", ""), str),
        late_marker=expect(data.get("late_marker", False), bool),
        not_graded=tuple(expect(item, str) for item in expect(data.get("not_graded", []), list)),
    )


def static_to_json(result: StaticResult) -> dict[str, Any]:
    diff = result.diff
    return {
        "task": result.task,
        "findings": [f.to_json() for f in result.findings],
        "diff": None
        if diff is None
        else {"lines_added": diff.lines_added, "lines_removed": diff.lines_removed,
              "unified": diff.unified},
    }


def static_from_json(data: dict[str, Any]) -> StaticResult:
    diff = expect(data.get("diff"), dict, None)
    return StaticResult(
        task=expect(data["task"], str),
        findings=tuple(finding_from_json(expect(f, dict)) for f in expect(data["findings"], list)),
        diff=None if diff is None else DiffSummary(
            lines_added=expect(diff["lines_added"], int),
            lines_removed=expect(diff["lines_removed"], int),
            unified=expect(diff.get("unified", ""), str),
        ),
    )


def facts_to_json(facts: HarnessFacts) -> dict[str, Any]:
    return {
        "models": [{"name": m.name, "layers": list(m.layers), "params": m.params}
                   for m in facts.models],
        "training_calls": list(facts.training_calls),
        "weights_loaded": list(facts.weights_loaded),
        "seed_calls": list(facts.seed_calls),
        "files_opened": list(facts.files_opened),
        "sockets": list(facts.sockets),
        "subprocesses": list(facts.subprocesses),
        "test_rows_in_training": facts.test_rows_in_training,
        "count_params_at_print": facts.count_params_at_print,
        "figure_png": None if facts.figure_png is None
        else base64.b64encode(facts.figure_png).decode("ascii"),
        "evaluation_reached": facts.evaluation_reached,
        "split_applied": facts.split_applied,
        "fingerprints": [list(pair) for pair in facts.fingerprints],
        "weights_changed": facts.weights_changed,
        "layer_changes": [list(pair) for pair in facts.layer_changes],
        "weights_set": list(facts.weights_set),
        "late_training": list(facts.late_training),
    }


def facts_from_json(data: dict[str, Any]) -> HarnessFacts:
    figure = expect(data.get("figure_png"), str, None)
    return HarnessFacts(
        models=tuple(ModelFact(expect(m["name"], str), _texts(m["layers"]),
                               expect(m["params"], int))
                     for m in expect(data.get("models", []), list)),
        training_calls=_texts(data.get("training_calls", [])),
        weights_loaded=_texts(data.get("weights_loaded", [])),
        seed_calls=_texts(data.get("seed_calls", [])),
        files_opened=_texts(data.get("files_opened", [])),
        sockets=_texts(data.get("sockets", [])),
        subprocesses=_texts(data.get("subprocesses", [])),
        test_rows_in_training=expect(data.get("test_rows_in_training", 0), int),
        count_params_at_print=expect(data.get("count_params_at_print"), int, None),
        figure_png=None if figure is None else base64.b64decode(figure, validate=True),
        evaluation_reached=expect(data.get("evaluation_reached", False), bool),
        split_applied=expect(data.get("split_applied", False), bool),
        fingerprints=tuple((expect(k, str), expect(v, str))
                           for k, v in expect(data.get("fingerprints", []), list)),
        weights_changed=expect(data.get("weights_changed"), bool, None),
        layer_changes=tuple((expect(n, str), expect(c, bool))
                            for n, c in expect(data.get("layer_changes", []), list)),
        weights_set=_texts(data.get("weights_set", [])),
        late_training=_texts(data.get("late_training", [])),
    )


def outcome_to_json(outcome: RunOutcome) -> dict[str, Any]:
    return {
        "index": outcome.index,
        "status": str(outcome.status),
        "exit_code": outcome.exit_code,
        "wall_s": outcome.wall_s,
        "cpu_s": outcome.cpu_s,
        "max_rss_mb": outcome.max_rss_mb,
        "stdout": outcome.stdout,
        "stderr": outcome.stderr,
        "facts": None if outcome.facts is None else facts_to_json(outcome.facts),
        "dataset_intact": outcome.dataset_intact,
        "isolated": outcome.isolated,
        "note": outcome.note,
        "evaluation": None if outcome.evaluation is None else outcome.evaluation.to_json(),
    }


def outcome_from_json(data: dict[str, Any]) -> RunOutcome:
    facts = expect(data.get("facts"), dict, None)
    return RunOutcome(
        index=expect(data["index"], int),
        status=RunStatus(data["status"]),
        exit_code=expect(data.get("exit_code"), int, None),
        wall_s=_number(data["wall_s"]),
        cpu_s=_number(data["cpu_s"]),
        max_rss_mb=_number(data["max_rss_mb"]),
        stdout=expect(data.get("stdout", ""), str),
        stderr=expect(data.get("stderr", ""), str),
        facts=None if facts is None else facts_from_json(facts),
        dataset_intact=expect(data.get("dataset_intact", True), bool),
        isolated=expect(data.get("isolated", False), bool),
        note=expect(data.get("note", ""), str),
        evaluation=_evaluation(expect(data.get("evaluation"), dict, None)),
    )
