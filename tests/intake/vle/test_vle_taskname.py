"""Renamed task files are matched to their task with a warning naming the file; two candidates
for one task are a violation (none graded), never a guess; and near misses stay extra files."""

from __future__ import annotations

from pathlib import Path

import pytest

from grader.checks.stage import check_submission
from grader.intake.discover import discover
from grader.intake.taskname import renamed_task
from grader.records import Severity, Verdict
from grader.spec import Assignment

TASKS = {"task1.py": "task1", "task2.py": "task2"}


@pytest.mark.parametrize("name,task", [
    ("Task1.py", "task1"), ("TASK2.PY", "task2"), ("task1 (1).py", "task1"),
    ("task1(2).py", "task1"), ("task1-2.py", "task1"), ("task2_1.py", "task2"),
    ("task1.py.txt", "task1"), ("Task2 (3).py.txt", "task2"),
])
def test_renamed_copies_are_matched(name: str, task: str) -> None:
    assert renamed_task(name, TASKS) == task


@pytest.mark.parametrize("name", [
    "task1.py",  # the exact name is not a renamed copy
    "task12.py", "task1_old.py", "my_task1.py", "task1.ipynb", "task1.txt", "task1-final.py",
    "task3.py",
])
def test_near_misses_are_not_matched(name: str) -> None:
    assert renamed_task(name, TASKS) is None


def _hand_in(folder: Path, files: dict[str, str]) -> Path:
    folder.mkdir(parents=True)
    for name, text in files.items():
        (folder / name).write_text(text)
    return folder


def test_a_renamed_file_is_graded_with_a_warning_naming_it(tmp_path: Path,
                                                           assignment: Assignment) -> None:
    solution = (assignment.root / "reference" / "solution" / "task1.py").read_text()
    folder = _hand_in(tmp_path / "amy", {"Task1.py": solution})
    (submission,) = discover([folder], assignment=assignment)
    assert submission.files["task1"].name == "task1.py"
    (renamed,) = [f for f in submission.findings if f.check == "files.renamed"]
    assert renamed.severity is Severity.WARNING and "Task1.py" in renamed.message
    results = check_submission(submission, assignment=assignment)
    assert not any(f.check == "files.missing" for f in results["task1"].findings)


def test_an_exact_file_wins_and_the_copy_is_extra(tmp_path: Path,
                                                  assignment: Assignment) -> None:
    folder = _hand_in(tmp_path / "amy", {"task1.py": "x = 1\n", "task1 (1).py": "x = 2\n"})
    (submission,) = discover([folder], assignment=assignment)
    assert submission.files["task1"].path.endswith("/task1.py")
    assert not any(f.check.startswith("files.renamed") for f in submission.findings)
    assert any(e.endswith("task1 (1).py") for e in submission.extra_files)


def test_two_candidates_are_a_finding_not_a_guess(tmp_path: Path,
                                                  assignment: Assignment) -> None:
    folder = _hand_in(tmp_path / "amy", {"Task1.py": "x = 1\n", "task1-2.py": "x = 2\n"})
    (submission,) = discover([folder], assignment=assignment)
    assert "task1" not in submission.files
    results = check_submission(submission, assignment=assignment)
    checks = {(f.check, f.severity) for f in results["task1"].findings}
    assert ("files.ambiguous", Severity.VIOLATION) in checks
    assert not any(check == "files.missing" for check, _ in checks)  # handed in, not missing
    (ambiguous,) = [f for f in results["task1"].findings if f.check == "files.ambiguous"]
    assert "Task1.py" in ambiguous.message and "task1-2.py" in ambiguous.message
    from grader.judge.verdict import decide_verdict
    from grader.records import TaskSummary

    verdict = decide_verdict(task=assignment.task("task1"), findings=results["task1"].findings,
                             runs=(), runs_expected=1, summary=TaskSummary())
    assert verdict is Verdict.INVALID
