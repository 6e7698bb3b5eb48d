"""JSON round trips of the records the store keeps (static results and run outcomes).

The store holds raw observations, never verdicts: verdicts are derived when results are built, so
a fix to a check re-grades a stored class without running anything.
"""

from __future__ import annotations

import base64
from typing import Any

from grader.records import (
    DiffSummary,
    Finding,
    HarnessFacts,
    ModelFact,
    RunOutcome,
    RunStatus,
    Severity,
    StaticResult,
)


def finding_from_json(data: dict[str, Any]) -> Finding:
    return Finding(
        check=data["check"],
        severity=Severity(data["severity"]),
        message=data["message"],
        file=data.get("file"),
        line=data.get("line"),
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
    diff = data.get("diff")
    return StaticResult(
        task=data["task"],
        findings=tuple(finding_from_json(f) for f in data["findings"]),
        diff=None if diff is None else DiffSummary(**diff),
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
    }


def facts_from_json(data: dict[str, Any]) -> HarnessFacts:
    figure = data.get("figure_png")
    return HarnessFacts(
        models=tuple(ModelFact(m["name"], tuple(m["layers"]), int(m["params"]))
                     for m in data.get("models", ())),
        training_calls=tuple(data.get("training_calls", ())),
        weights_loaded=tuple(data.get("weights_loaded", ())),
        seed_calls=tuple(data.get("seed_calls", ())),
        files_opened=tuple(data.get("files_opened", ())),
        sockets=tuple(data.get("sockets", ())),
        subprocesses=tuple(data.get("subprocesses", ())),
        test_rows_in_training=int(data.get("test_rows_in_training", 0)),
        count_params_at_print=data.get("count_params_at_print"),
        figure_png=None if figure is None else base64.b64decode(figure),
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
    }


def outcome_from_json(data: dict[str, Any]) -> RunOutcome:
    facts = data.get("facts")
    return RunOutcome(
        index=int(data["index"]),
        status=RunStatus(data["status"]),
        exit_code=data.get("exit_code"),
        wall_s=float(data["wall_s"]),
        cpu_s=float(data["cpu_s"]),
        max_rss_mb=float(data["max_rss_mb"]),
        stdout=data.get("stdout", ""),
        stderr=data.get("stderr", ""),
        facts=None if facts is None else facts_from_json(facts),
        dataset_intact=bool(data.get("dataset_intact", True)),
        isolated=bool(data.get("isolated", False)),
        note=data.get("note", ""),
    )
