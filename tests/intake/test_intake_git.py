"""Intake of git repositories: a student's clone is graded at its HEAD commit."""

from __future__ import annotations

import logging
from pathlib import Path

import git
import pytest

from grader.checks.stage import check_paths
from grader.intake.discover import discover
from grader.spec import Assignment


def _repository(folder: Path, files: dict[str, str]) -> git.Repo:
    folder.mkdir(parents=True)
    repo = git.Repo.init(folder)
    with repo.config_writer() as config:
        config.set_value("user", "name", "A Student")
        config.set_value("user", "email", "student@example.org")
    for name, text in files.items():
        (folder / name).write_text(text)
    repo.index.add(list(files))
    repo.index.commit("hand-in")
    return repo


@pytest.fixture
def solutions(repo_root: Path) -> dict[str, str]:
    return {name: (repo_root / "reference" / "solution" / name).read_text()
            for name in ("task1.py", "task2.py")}


def test_a_clone_is_graded_at_its_last_commit(
    assignment: Assignment, solutions: dict[str, str], tmp_path: Path
) -> None:
    repo = _repository(tmp_path / "class" / "assignment-3-alice", solutions)
    student = tmp_path / "class" / "assignment-3-alice"
    (student / "task1.py").write_text("edited after the deadline\n")  # not committed
    (student / "notes.py").write_text("print('stray')\n")  # not committed either
    [submission] = discover([tmp_path / "class"], assignment=assignment)
    assert submission.id == "assignment-3-alice"
    assert submission.files["task1"].text == solutions["task1.py"]
    assert submission.extra_files == ()
    short = repo.head.commit.hexsha[:8]
    assert f"@{short}" in submission.files["task1"].path


def test_a_class_of_clones_and_a_repository_given_directly(
    assignment: Assignment, solutions: dict[str, str], tmp_path: Path
) -> None:
    _repository(tmp_path / "class" / "bob", solutions)
    _repository(tmp_path / "class" / "carol", {"task1.py": solutions["task1.py"]})
    checked = {s.id: r for s, r in check_paths([tmp_path / "class"], assignment=assignment,
                                                     jobs=1)}
    assert sorted(checked) == ["bob", "carol"]
    assert [f.check for f in checked["bob"]["task1"].findings] == []
    assert [f.check for f in checked["carol"]["task2"].findings] == ["files.missing"]
    [direct] = discover([tmp_path / "class" / "carol"], assignment=assignment)
    assert direct.id == "carol" and set(direct.files) == {"task1"}


def test_a_repository_without_a_commit_is_read_as_a_folder(
    assignment: Assignment, solutions: dict[str, str], tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    folder = tmp_path / "dave"
    folder.mkdir()
    git.Repo.init(folder)
    (folder / "task1.py").write_text(solutions["task1.py"])
    with caplog.at_level(logging.WARNING):
        [submission] = discover([folder], assignment=assignment)
    assert submission.files["task1"].text == solutions["task1.py"]
    assert "graded as a folder" in caplog.text


def test_a_committed_symbolic_link_is_not_followed(
    assignment: Assignment, solutions: dict[str, str], tmp_path: Path
) -> None:
    secret = tmp_path / "secret.py"
    secret.write_text("not the student's\n")
    folder = tmp_path / "erin"
    _repository(folder, {"task2.py": solutions["task2.py"]})
    repo = git.Repo(folder)
    (folder / "task1.py").symlink_to(secret)
    repo.index.add(["task1.py"])
    repo.index.commit("a link")
    [(submission, results)] = check_paths([folder], assignment=assignment, jobs=1)
    task1 = submission.files.get("task1")
    assert task1 is None or task1.text != "not the student's\n"
    assert [f.check for f in results["task1"].findings] == ["files.unreadable"]
    assert "symbolic link" in results["task1"].findings[0].message
    assert submission.files["task2"].text == solutions["task2.py"]
