"""The deadline, grace period, late policy and extensions of ``assignment.toml``, their effect
on each hand-in, and git clones graded at the last commit before the deadline."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import git
import pytest

from grader.intake.bulk import IntakeOptions, read_class
from grader.intake.lateness import lateness
from grader.records import LateStatus
from grader.spec import Assignment, DeadlinePolicy, Extension, SpecError, load_assignment
from tests.intake.vle import make_vle_fixtures as fx

LONDON = "Europe/London"


def _policy(**kw: object) -> DeadlinePolicy:
    from zoneinfo import ZoneInfo

    due = datetime(2026, 11, 27, 17, 0, tzinfo=ZoneInfo(LONDON))
    values: dict[str, object] = {"due": due, "zone": LONDON, "grace": timedelta(minutes=15),
                                 "deduction_pct_per_day": 10.0, "cutoff_days": 7}
    values.update(kw)
    return DeadlinePolicy(**values)  # type: ignore[arg-type]


@pytest.mark.parametrize("submitted,status,days,deduction", [
    ("2026-11-27T16:59:59+00:00", LateStatus.ON_TIME, 0, 0.0),
    ("2026-11-27T17:00:00+00:00", LateStatus.ON_TIME, 0, 0.0),  # at the deadline: on time
    ("2026-11-27T17:15:00+00:00", LateStatus.GRACE, 0, 0.0),  # the last second of grace
    ("2026-11-27T17:15:01+00:00", LateStatus.LATE, 1, 10.0),  # a started day
    ("2026-11-28T17:15:00+00:00", LateStatus.LATE, 1, 10.0),
    ("2026-11-28T17:15:01+00:00", LateStatus.LATE, 2, 20.0),
    ("2026-12-04T17:15:00+00:00", LateStatus.LATE, 7, 70.0),  # the cut-off itself
    ("2026-12-04T17:15:01+00:00", LateStatus.AFTER_CUTOFF, 8, 100.0),
    ("2026-11-27T18:14:00+01:00", LateStatus.GRACE, 0, 0.0),  # another zone, same instant
])
def test_lateness_at_the_edges(submitted: str, status: LateStatus, days: int,
                               deduction: float) -> None:
    late = lateness(_policy(), student="s", submitted_at=submitted)
    assert (late.status, late.days_late, late.deduction_pct) == (status, days, deduction)
    assert late.deadline == "2026-11-27T17:00:00+00:00"


def test_no_time_no_deadline_and_an_extension() -> None:
    assert lateness(None, student="s", submitted_at=None).status is LateStatus.NO_DEADLINE
    assert lateness(_policy(), student="s", submitted_at=None).status is LateStatus.UNKNOWN
    moved = datetime(2026, 11, 30, 17, 0, tzinfo=UTC)
    policy = _policy(extensions={"ben": Extension("ben", moved, "illness")})
    ben = lateness(policy, student="ben", submitted_at="2026-11-29T10:00:00+00:00")
    amy = lateness(policy, student="amy", submitted_at="2026-11-29T10:00:00+00:00")
    assert (ben.status, ben.extension) == (LateStatus.ON_TIME, "illness")
    assert ben.deadline == "2026-11-30T17:00:00+00:00"
    assert amy.status is LateStatus.LATE and amy.extension == ""


def test_the_deadline_is_read_on_the_local_clock_across_a_clock_change(tmp_path: Path) -> None:
    """17:00 in London is 17:00 UTC in November and 16:00 UTC in June."""
    summer = fx.DEADLINE.replace("2026-11-27T17:00:00", "2026-06-05T17:00:00")
    spec = load_assignment(fx.spec_with_deadline(tmp_path, deadline=summer))
    assert spec.deadline is not None
    assert spec.deadline.due.astimezone(UTC).hour == 16


def test_the_spec_reads_deadline_grace_policy_and_extensions(timed: Assignment) -> None:
    policy = timed.deadline
    assert policy is not None and policy.zone == LONDON
    assert policy.grace == timedelta(minutes=15) and policy.cutoff_days == 7
    assert policy.extensions["102"].reason == "illness (note seen)"


@pytest.mark.parametrize("deadline,message", [
    ('[deadline]\ntime_zone = "Europe/London"\n', "needs a due"),
    ('[deadline]\ndue = 2026-11-27T17:00:00\ntime_zone = "Mars/Olympus"\n', "unknown time zone"),
    ('[deadline]\ndue = "next friday"\n', "not an ISO 8601"),
    ('[deadline]\ndue = 2026-11-27T17:00:00\nextensions = "none.csv"\n', "extensions file"),
])
def test_a_bad_deadline_is_a_spec_error(tmp_path: Path, deadline: str, message: str) -> None:
    spec = fx.spec_with_deadline(tmp_path, deadline=deadline)
    (tmp_path / "extensions.csv").unlink()
    with pytest.raises(SpecError, match=message):
        load_assignment(spec)


def test_an_extensions_file_needs_its_header(tmp_path: Path) -> None:
    spec = fx.spec_with_deadline(tmp_path, extensions="ben,2026-11-30T17:00:00,ill\n")
    with pytest.raises(SpecError, match="header"):
        load_assignment(spec)


# ------------------------------------------------------------------------------------ git clones


def _clone(folder: Path, commits: list[tuple[str, str, datetime]]) -> Path:
    """A repository with one commit per (task1.py text, message, committer date)."""
    repo = git.Repo.init(folder)
    with repo.config_writer() as config:
        config.set_value("user", "name", "Student").set_value("user", "email", "s@example.edu")
    for text, message, when in commits:
        (folder / "task1.py").write_text(text)
        repo.index.add(["task1.py"])
        stamp = when.strftime("%Y-%m-%dT%H:%M:%S") + " +0000"  # a format GitPython parses
        repo.index.commit(message, author_date=stamp, commit_date=stamp)
    return folder


def _t(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 11, day, hour, minute, tzinfo=UTC)


def test_a_clone_is_graded_at_the_last_commit_before_the_deadline(tmp_path: Path,
                                                                  timed: Assignment) -> None:
    klass = tmp_path / "class"
    _clone(klass / "amy", [("x = 1\n", "first", _t(26, 10)), ("x = 2\n", "final", _t(27, 17, 10)),
                           ("x = 3\n", "oops, after", _t(28, 9))])
    _clone(klass / "bob", [("y = 1\n", "late start", _t(29, 9))])  # nothing before the deadline
    read = read_class([klass], assignment=timed)
    assert read.profiles[0][1] == "git"
    class_ = {s.id: s for s in read.submissions}
    amy = class_["amy"]
    assert amy.files["task1"].text == "x = 2\n"  # within the grace period
    assert amy.hand_in.submitted_at == "2026-11-27T17:10:00+00:00"
    assert amy.hand_in.time_source.startswith("git commit date")
    (later,) = amy.hand_in.not_graded
    assert "oops, after" in later and later.endswith("not graded: after the deadline")
    bob = class_["bob"]  # graded at its head, and late
    assert bob.files["task1"].text == "y = 1\n" and bob.hand_in.not_graded == ()
    assert lateness(timed.deadline, student="bob",
                    submitted_at=bob.hand_in.submitted_at).status is LateStatus.LATE


def test_at_head_grades_the_head(tmp_path: Path, timed: Assignment) -> None:
    repo = _clone(tmp_path / "amy", [("x = 1\n", "first", _t(26, 10)),
                                     ("x = 3\n", "after", _t(28, 9))])
    (amy,) = read_class([repo], assignment=timed, options=IntakeOptions(at_head=True)).submissions
    assert amy.files["task1"].text == "x = 3\n" and amy.hand_in.not_graded == ()
    assert amy.hand_in.submitted_at == "2026-11-28T09:00:00+00:00"


def test_without_a_deadline_the_head_is_graded_with_its_time(tmp_path: Path,
                                                             assignment: Assignment) -> None:
    repo = _clone(tmp_path / "amy", [("x = 1\n", "first", _t(26, 10)),
                                     ("x = 3\n", "after", _t(28, 9))])
    (amy,) = read_class([repo], assignment=assignment).submissions
    assert amy.files["task1"].text == "x = 3\n"
    assert amy.hand_in.submitted_at == "2026-11-28T09:00:00+00:00"
