"""The hand-in shown everywhere it matters: results.json (schema_version 2, valid against the
published schema), grades.csv, the overview and the student page; a fake executor stands in for
the runs (the real ones are in ``test_vle_end_to_end.py``)."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import jsonschema

from grader.intake.bulk import IntakeOptions
from grader.pipeline import grade
from grader.records import RunOutcome, RunSpec
from grader.report.results_json import SCHEMA_PATH
from grader.spec import Assignment
from grader.store.database import Store
from tests.intake.vle import make_vle_fixtures as fx
from tests.runtime_fakes import FakeExecutor, facts, outcome


def _answer(spec: RunSpec) -> RunOutcome:
    layers = ("Conv2D", "Dense") if spec.task == "task1" else ("LSTM", "Dense")
    return outcome(spec.index, error=4.0, isolated=True, facts=facts(layers=layers))


def _graded(tmp_path: Path, timed: Assignment) -> Path:
    out = tmp_path / "out"
    options = IntakeOptions(roster=fx.moodle_worksheet(tmp_path))
    grade(paths=[fx.moodle(tmp_path, in_folders=True)], assignment=timed, out_dir=out, runs=1,
          analysis=False, executor=FakeExecutor(_answer), intake=options)
    return out


def test_results_json_carries_the_hand_in_and_its_lateness(tmp_path: Path,
                                                           timed: Assignment) -> None:
    out = _graded(tmp_path, timed)
    document = json.loads((out / "results.json").read_text())
    jsonschema.validate(document, json.loads(SCHEMA_PATH.read_text(encoding="utf-8")))
    assert document["schema_version"] >= 2  # version 3 added the marks
    by_id = {s["id"]: s for s in document["submissions"]}
    assert sorted(by_id) == ["101", "102", "103", "104", "105", "106"]
    assert by_id["101"]["hand_in"]["name"] == "Ada Lovelace"
    assert by_id["101"]["lateness"]["status"] == "on_time"
    assert by_id["102"]["lateness"]["extension"] == "illness (note seen)"
    assert by_id["103"]["lateness"] == {
        "status": "late", "deadline": "2026-11-27T17:00:00+00:00", "extension": "",
        "late_by_s": 57600.0, "days_late": 1, "deduction_pct": 10.0}
    assert by_id["104"]["lateness"]["status"] == "after_cutoff"
    # a late hand-in is graded in full
    assert by_id["104"]["tasks"]["task1"]["runs"] and by_id["103"]["tasks"]["task1"]["runs"]
    assert {t["verdict"] for t in by_id["105"]["tasks"].values()} == {"missing"}
    assert by_id["106"]["tasks"]["task1"]["verdict"] == "invalid"  # two candidates


def test_grades_csv_and_the_pages_show_it(tmp_path: Path, timed: Assignment) -> None:
    out = _graded(tmp_path, timed)
    with (out / "grades.csv").open(encoding="utf-8", newline="") as handle:
        rows = {r["id"]: r for r in csv.DictReader(handle)}
    assert rows["103"]["name"] == "Gina Ng" and rows["103"]["late_status"] == "late"
    assert rows["103"]["late_deduction_pct"] == "10" and rows["103"]["days_late"] == "1"
    assert rows["103"]["time_source"].startswith("Moodle grading worksheet")
    assert rows["101"]["late_status"] == "on_time" and rows["101"]["submitted_at"]
    overview = (out / "index.html").read_text(encoding="utf-8")
    assert "Benoît O&#39;Brien" in overview
    assert "late · 1 d · −10 %" in overview and "after cut-off" in overview
    pages = {p.name: p.read_text(encoding="utf-8") for p in (out / "students").iterdir()}
    (gina,) = [text for text in pages.values() if "Gina Ng" in text]
    assert "Hand-in" in gina and "Moodle grading worksheet" in gina
    assert "graded in full; the policy applies to the mark" in gina


def test_the_store_keeps_the_hand_in_for_a_rebuild(tmp_path: Path, timed: Assignment) -> None:
    out = _graded(tmp_path, timed)
    with Store.in_folder(out) as store:
        stored = {s.id: s for s in store.submissions()}
    assert stored["103"].hand_in.submitted_at == "2026-11-28T09:00:00+00:00"
    assert stored["105"].hand_in.name == "Zoë D'Arcy"


def test_without_a_deadline_nothing_changes_on_the_pages(tmp_path: Path,
                                                         assignment: Assignment) -> None:
    """Near miss: a class of folders without a deadline shows no lateness anywhere."""
    out = tmp_path / "out"
    grade(paths=[fx.CLASS / "s2301147_ada"], assignment=assignment, out_dir=out, runs=1,
          analysis=False, executor=FakeExecutor(_answer))
    document = json.loads((out / "results.json").read_text())
    (ada,) = document["submissions"]
    assert ada["lateness"]["status"] == "no_deadline"
    assert ada["hand_in"]["time_source"] == "file modification time"
    with (out / "grades.csv").open(encoding="utf-8", newline="") as handle:
        (row,) = csv.DictReader(handle)
    assert row["late_status"] == row["deadline"] == row["late_deduction_pct"] == ""
    assert "tag lateness" not in (out / "index.html").read_text(encoding="utf-8")


def test_a_damaged_or_missing_hand_in_in_the_store(tmp_path: Path, timed: Assignment) -> None:
    """A row written before version 3 (NULL) reads as an empty hand-in; a damaged one is the one
    clear damaged-store error, never a crash in the report."""
    import sqlite3

    import pytest

    from grader.records import HandIn
    from grader.store.opening import StoreError

    out = _graded(tmp_path, timed)
    with sqlite3.connect(out / "grader.sqlite") as db:
        db.execute("UPDATE submissions SET hand_in = NULL WHERE id = '101'")
        db.execute("UPDATE submissions SET hand_in = '{\"name\": 7}' WHERE id = '102'")
    with Store.in_folder(out) as store, pytest.raises(StoreError, match="damaged"):
        store.submissions()
    with sqlite3.connect(out / "grader.sqlite") as db:
        db.execute("UPDATE submissions SET hand_in = NULL WHERE id = '102'")
    with Store.in_folder(out) as store:
        stored = {s.id: s for s in store.submissions()}
    assert stored["101"].hand_in == HandIn() == stored["102"].hand_in
