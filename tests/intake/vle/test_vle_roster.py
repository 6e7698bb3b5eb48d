"""The roster as each VLE exports it, joined on the VLE's identifier: matched, on the roster
without a hand-in (graded missing), matching nobody, doubled; accents, apostrophes and two
students of the same name."""

from __future__ import annotations

import unicodedata
from datetime import UTC
from pathlib import Path

import pytest

from grader.checks.stage import check_submission
from grader.cli import main
from grader.intake.bulk import IntakeOptions, read_class
from grader.intake.roster import RosterError, name_key, read_roster
from grader.spec import Assignment
from tests.intake.vle import make_vle_fixtures as fx


def test_moodle_worksheet_joins_on_the_participant_id(tmp_path: Path, timed: Assignment) -> None:
    download = fx.moodle(tmp_path, in_folders=True)
    roster = fx.moodle_worksheet(tmp_path)
    read = read_class([download], assignment=timed, options=IntakeOptions(roster=roster))
    assert read.roster is not None
    assert sorted(i for i, _ in read.roster.matched) == ["101", "102", "103", "104"]
    assert read.roster.without_hand_in == (("105", "Zoë D'Arcy"),)
    assert [i for i, _ in read.roster.unmatched] == ["106"]
    assert read.roster.duplicates == ()
    class_ = {s.id: s for s in read.submissions}
    # the two Ada Lovelaces stay two students, told apart by their participant ids
    assert class_["101"].hand_in.name == class_["104"].hand_in.name == "Ada Lovelace"
    assert class_["101"].files["task1"].sha256 != class_["104"].files["task1"].sha256
    # the worksheet's submission time is the better source
    assert class_["103"].hand_in.time_source.startswith("Moodle grading worksheet")
    assert class_["103"].hand_in.submitted_at == "2026-11-28T09:00:00+00:00"
    # Zoë handed in nothing: every task missing
    zoe = class_["105"]
    assert zoe.files == {} and zoe.hand_in.name == "Zoë D'Arcy"
    results = check_submission(zoe, assignment=timed)
    assert all(any(f.check == "files.missing" for f in r.findings) for r in results.values())


def test_moodle_participants_join_on_names_and_report_shared_ones(tmp_path: Path,
                                                                  timed: Assignment) -> None:
    download = fx.moodle(tmp_path, in_folders=False)
    roster = fx.moodle_participants(tmp_path)
    read = read_class([download], assignment=timed, options=IntakeOptions(roster=roster))
    assert read.roster is not None
    assert sorted(name for _, name in read.roster.matched) == ["Benoît O'Brien", "Gina Ng"]
    (doubled,) = read.roster.duplicates
    assert doubled.startswith("Ada Lovelace: 2 students")
    assert sorted(i for i, _ in read.roster.unmatched) == ["101", "104", "106"]
    assert ("Zoë D'Arcy", "Zoë D'Arcy") in read.roster.without_hand_in


def test_canvas_gradebook_joins_on_the_user_id(tmp_path: Path, timed: Assignment) -> None:
    read = read_class([fx.canvas(tmp_path)], assignment=timed,
                      options=IntakeOptions(roster=fx.canvas_gradebook(tmp_path)))
    assert read.roster is not None and read.roster.kind == "canvas-gradebook"
    class_ = {s.id: s for s in read.submissions}
    assert class_["2002"].hand_in.name == "O'Brien, Benoît"  # the roster's spelling is shown
    assert read.roster.without_hand_in == (("2005", "D'Arcy, Zoë"),)
    assert "Points Possible" not in str(read.roster)


def test_two_hand_ins_for_one_student_are_reported_and_both_graded(
        tmp_path: Path, timed: Assignment) -> None:
    first = fx.moodle(tmp_path / "a", in_folders=False, students=fx.CLASSLIST[:1])
    again = fx.moodle(tmp_path / "b", in_folders=True, students=fx.CLASSLIST[:1])
    read = read_class([first, again], assignment=timed,
                      options=IntakeOptions(roster=fx.moodle_worksheet(tmp_path)))
    assert read.roster is not None
    (doubled,) = read.roster.duplicates
    assert doubled.startswith("101 (Ada Lovelace): 2 hand-ins")
    assert sorted(s.id for s in read.submissions if s.files) == ["101", "101-2"]


def test_names_are_compared_as_people_read_them() -> None:
    composed = "Zoë D'Arcy"
    decomposed = unicodedata.normalize("NFD", "Zoë D\u2019Arcy")
    assert name_key(composed) == name_key(decomposed) == name_key("  zoë   d'arcy ")
    assert name_key("Zoe D'Arcy") != name_key(composed)  # an accent tells names apart


def test_an_unknown_or_unreadable_roster_is_a_clear_error(tmp_path: Path) -> None:
    odd = tmp_path / "odd.csv"
    odd.write_text("who,when\nada,now\n")
    with pytest.raises(RosterError, match="not a class list"):
        read_roster(odd, zone=UTC)
    latin = tmp_path / "latin.csv"
    latin.write_bytes("Student,ID\nZo\xeb,1\n".encode("latin-1"))
    with pytest.raises(RosterError, match="not UTF-8"):
        read_roster(latin, zone=UTC)
    with pytest.raises(RosterError):
        read_roster(tmp_path / "absent.csv", zone=UTC)


def test_the_dry_run_lists_who_is_who(tmp_path: Path, deadline_spec: Path,
                                      capsys: pytest.CaptureFixture[str]) -> None:
    download = fx.moodle(tmp_path, in_folders=True)
    roster = fx.moodle_worksheet(tmp_path)
    code = main(["intake", str(download), "--roster", str(roster),
                 "--assignment", str(deadline_spec)])
    out = capsys.readouterr().out
    assert code == 0
    assert "read as moodle" in out
    assert "101 (Ada Lovelace)" in out and "104 (Ada Lovelace)" in out
    assert "on the roster, nothing handed in (graded as missing): 105 (Zoë D'Arcy)" in out
    assert "matches nobody on the roster: 106" in out
    assert "late: 1 day(s), -10 %" in out  # Gina
    assert "extension: illness (note seen)" in out  # Benoît
    assert "after the cut-off" in out  # the second Ada
    assert "files.ambiguous" in out  # Hugo's two task1 candidates
    assert "nothing was run" in out and not (tmp_path / "report").exists()


def test_the_dry_run_exits_2_on_a_bad_roster(tmp_path: Path,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    odd = tmp_path / "odd.csv"
    odd.write_text("who\nada\n")
    assert main(["intake", str(fx.CLASS), "--roster", str(odd)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("grader intake:") and "not a class list" in err and err[-1] == "\n"


def test_blackboard_grade_center_joins_on_the_username(tmp_path: Path, timed: Assignment) -> None:
    roster = tmp_path / "gc.csv"
    roster.write_text('"Last Name","First Name","Username","Student ID"\n'
                      '"Lovelace","Ada","alovelace","101"\n"Ng","Gina","gng","103"\n',
                      encoding="utf-8")
    read = read_class([fx.blackboard(tmp_path)], assignment=timed,
                      options=IntakeOptions(roster=roster))
    assert read.roster is not None and read.roster.kind == "blackboard"
    assert sorted(i for i, _ in read.roster.matched) == ["alovelace", "gng"]
    assert sorted(i for i, _ in read.roster.unmatched) == ["alovelace2", "bobrien", "hhart"]


def test_run_takes_the_intake_options(tmp_path: Path,
                                      capsys: pytest.CaptureFixture[str]) -> None:
    """``grader run`` stops before anything is written when the download is not what --from
    says (exit 2, one line)."""
    download = fx.moodle(tmp_path, in_folders=False)
    out = tmp_path / "out"
    assert main(["run", str(download), "--from", "blackboard", "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert "read as a blackboard download" in err and len(err.strip().splitlines()) == 1
    assert not out.exists()
