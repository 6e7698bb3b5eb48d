"""Each VLE's bulk download is read as its documentation says it is named (fixtures built from
the example class by ``make_vle_fixtures``), detected by its names, and forcible by ``--from``."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from grader.intake.bulk import IntakeOptions, read_class
from grader.intake.discover import IntakeError
from grader.records import Submission
from grader.spec import Assignment
from tests.intake.vle import make_vle_fixtures as fx


def _by_id(submissions: list[Submission]) -> dict[str, Submission]:
    return {s.id: s for s in submissions}


def _checks(submission: Submission) -> list[tuple[str, str]]:
    return [(f.check, str(f.severity)) for f in submission.findings if f.check != "files.extra"]


@pytest.mark.parametrize("in_folders,modern", [(False, True), (True, True), (True, False)])
def test_moodle_download_flat_and_in_folders(tmp_path: Path, timed: Assignment,
                                             in_folders: bool, modern: bool) -> None:
    download = fx.moodle(tmp_path, in_folders=in_folders, modern=modern)
    read = read_class([download], assignment=timed)
    assert read.profiles == ((str(download), "moodle"),)
    class_ = _by_id(read.submissions)
    assert sorted(class_) == ["101", "102", "103", "104", "106"]
    assert class_["101"].hand_in.name == class_["104"].hand_in.name == "Ada Lovelace"
    assert class_["102"].hand_in.name == "Benoît O'Brien"
    assert sorted(class_["101"].files) == ["task1", "task2"]
    assert sorted(class_["104"].files) == ["task1", "task2"]  # from the student's own work.zip
    assert sorted(class_["103"].files) == ["task1"]
    ada = class_["101"].hand_in
    assert ada.vle_id == "101" and ada.submitted_at == "2026-11-27T16:58:00+00:00"
    assert ada.time_source.startswith("zip entry time")
    # the files are those of the example class, byte for byte
    assert class_["101"].files["task1"].text == (fx.CLASS / "s2301147_ada" / "task1.py").read_text()


def test_moodle_download_unpacked_into_a_folder(tmp_path: Path, timed: Assignment) -> None:
    download = fx.moodle(tmp_path / "zip", in_folders=False)
    folder = tmp_path / "unpacked"
    with zipfile.ZipFile(download) as archive:
        archive.extractall(folder)
    read = read_class([folder], assignment=timed)
    assert read.profiles == ((str(folder), "moodle"),)
    assert sorted(_by_id(read.submissions)) == ["101", "102", "103", "104", "106"]
    assert _by_id(read.submissions)["101"].hand_in.time_source == "file modification time"


def test_canvas_download_with_late_and_resubmission_markers(tmp_path: Path,
                                                            timed: Assignment) -> None:
    read = read_class([fx.canvas(tmp_path)], assignment=timed)
    class_ = _by_id(read.submissions)
    assert read.profiles[0][1] == "canvas"
    assert sorted(class_) == ["2001", "2002", "2003", "2004", "2006"]
    assert not class_["2001"].hand_in.late_marker and class_["2002"].hand_in.late_marker
    assert class_["2001"].hand_in.name == "lovelaceada"
    # "task2 (1).py" and "Task1.py", behind Canvas's prefix, are matched with a warning each
    assert sorted(class_["2002"].files) == ["task1", "task2"]
    assert _checks(class_["2002"]) == [("files.renamed", "warning")] * 2


def test_blackboard_download_reads_receipts_and_grades_the_latest_attempt(
        tmp_path: Path, timed: Assignment) -> None:
    read = read_class([fx.blackboard(tmp_path)], assignment=timed)
    class_ = _by_id(read.submissions)
    assert read.profiles[0][1] == "blackboard"
    assert sorted(class_) == ["alovelace", "alovelace2", "bobrien", "gng", "hhart"]
    ada = class_["alovelace"]
    assert ada.hand_in.name == "Ada Lovelace"
    assert ada.hand_in.submitted_at == "2026-11-27T16:58:00+00:00"
    assert ada.hand_in.time_source == "Blackboard receipt (Date Submitted)"
    assert ada.hand_in.not_graded == (
        "attempt of 2026-11-26-12-00-00: an earlier attempt, not graded",)
    assert "2026-11-27-16-58-00" in ada.files["task1"].path


def test_blackboard_without_a_receipt_takes_the_time_from_the_name(tmp_path: Path,
                                                                  timed: Assignment) -> None:
    folder = tmp_path / "bb"
    folder.mkdir()
    (folder / "A3_zed_attempt_2026-11-28-08-30-00_task1.py").write_text("x = 1\n")
    (submission,) = read_class([folder], assignment=timed).submissions
    assert submission.id == "zed" and submission.hand_in.submitted_at == "2026-11-28T08:30:00+00:00"
    assert submission.hand_in.time_source.startswith("Blackboard file name")


def test_receipt_dates_in_both_locales() -> None:
    from datetime import UTC

    from grader.intake.profiles.blackboard import receipt_time

    day_first = receipt_time("Date Submitted: Friday, 27 November 2026 16:58:03 o'clock GMT", UTC)
    month_first = receipt_time("Date Submitted: Friday, November 27, 2026 11:58:03 AM EST", UTC)
    assert day_first is not None and month_first is not None
    assert day_first.isoformat() == "2026-11-27T16:58:03+00:00"
    assert month_first.astimezone(UTC).isoformat() == "2026-11-27T16:58:03+00:00"
    assert receipt_time("Date Submitted: yesterday", UTC) is None


def test_id_pattern_with_named_groups(tmp_path: Path, assignment: Assignment) -> None:
    folder = tmp_path / "exam"
    folder.mkdir()
    for who, task in (("k1234567", "task1"), ("k1234567", "task2"), ("k7654321", "task1")):
        (folder / f"A3-{who}-{task}.py").write_text("x = 1\n")
    (folder / "notes.txt").write_text("not a hand-in")
    options = IntakeOptions(id_pattern=r"A3-(?P<id>k\d+)-(?P<file>task\d\.py)")
    read = read_class([folder], assignment=assignment, options=options)
    assert read.profiles[0][1] == "pattern"
    assert {s.id: sorted(s.files) for s in read.submissions} == {
        "k1234567": ["task1", "task2"], "k7654321": ["task1"]}


@pytest.mark.parametrize("pattern", [r"(?P<student>\w+)", r"(unclosed"])
def test_a_bad_id_pattern_is_a_clear_error(tmp_path: Path, assignment: Assignment,
                                           pattern: str) -> None:
    with pytest.raises(IntakeError, match="--id-pattern"):
        read_class([tmp_path], assignment=assignment, options=IntakeOptions(id_pattern=pattern))


def test_the_example_class_is_still_folders(assignment: Assignment) -> None:
    """Near miss: folders named ``s2301147_ada`` are no Canvas download."""
    read = read_class([fx.CLASS], assignment=assignment)
    assert read.profiles == ((str(fx.CLASS), "folders"),)
    assert len(read.submissions) == 8


def test_one_vle_looking_name_does_not_turn_a_class_into_a_download(
        tmp_path: Path, assignment: Assignment) -> None:
    for student in ("amy", "bob", "lovelaceada_2001_9001_x"):
        (tmp_path / student).mkdir()
        (tmp_path / student / "task1.py").write_text("x = 1\n")
    read = read_class([tmp_path], assignment=assignment)
    assert read.profiles[0][1] == "folders" and len(read.submissions) == 3


def test_from_forces_a_profile_and_says_when_nothing_matches(tmp_path: Path,
                                                              assignment: Assignment) -> None:
    download = fx.moodle(tmp_path, in_folders=False)
    forced = read_class([download], assignment=assignment, options=IntakeOptions(source="folders"))
    assert forced.profiles[0][1] == "folders" and len(forced.submissions) == 1
    with pytest.raises(IntakeError, match="read as a canvas download"):
        read_class([download], assignment=assignment, options=IntakeOptions(source="canvas"))
    with pytest.raises(IntakeError, match="--from git"):
        read_class([download], assignment=assignment, options=IntakeOptions(source="git"))
