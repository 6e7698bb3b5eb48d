"""Intake: folders, class folders, loose files and zip archives become submissions; nothing
unreadable stops the batch."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from grader.checks.stage import check_submission
from grader.cli.check_printout import check_lines
from grader.intake.discover import MAX_TASK_BYTES, IntakeError, discover
from grader.intake.disktree import PathNode
from grader.intake.filetree import Node
from grader.records import Severity, Submission
from grader.spec import Assignment
from tests.intake.handins import write, zip_bytes

CODE = "print('hello')\n"
TASK_FILES = {"task1": "task1.py", "task2": "task2.py"}




def checks(submission: Submission) -> list[str]:
    return sorted(f.check for f in submission.findings)


def verdicts(submission: Submission, assignment: Assignment) -> dict[str, str]:
    """Each task's verdict as far as the intake decides it ("missing", "invalid" or "valid"):
    the static stage's findings, of the ``files.*`` checks only (the scripts here are toys)."""
    results = check_submission(submission, assignment=assignment)
    out = {}
    for task_id, result in results.items():
        checked = {
            f.check
            for f in result.findings
            if f.severity is Severity.VIOLATION and f.check.startswith("files.")
        }
        out[task_id] = (
            "missing" if "files.missing" in checked else "invalid" if checked else "valid"
        )
    return out


def test_one_students_folder(tmp_path: Path, assignment: Assignment) -> None:
    folder = write(tmp_path / "alice", {"task1.py": CODE, "task2.py": "y = 2\n"})
    (submission,) = discover([folder], assignment=assignment)
    assert submission.id == "alice" and submission.source == str(folder)
    assert sorted(submission.files) == ["task1", "task2"]
    assert submission.files["task2"].text == "y = 2\n"
    assert submission.files["task1"].name == "task1.py"
    assert submission.findings == ()


def test_class_folder_sorted_by_id(tmp_path: Path, assignment: Assignment) -> None:
    for name in ("carol", "alice", "bob"):
        write(tmp_path / "class" / name, {"task1.py": CODE})
    submissions = discover([tmp_path / "class"], assignment=assignment)
    assert [s.id for s in submissions] == ["alice", "bob", "carol"]
    assert all(list(s.files) == ["task1"] for s in submissions)


def test_single_files_are_one_submission_per_folder(tmp_path: Path, assignment: Assignment) -> None:
    folder = write(tmp_path / "dave", {"task1.py": CODE, "task2.py": CODE})
    (submission,) = discover([folder / "task1.py", folder / "task2.py"], assignment=assignment)
    assert submission.id == "dave" and sorted(submission.files) == ["task1", "task2"]


def test_zip_of_one_student_with_a_wrapper_folder(tmp_path: Path, assignment: Assignment) -> None:
    archive = tmp_path / "erin.zip"
    archive.write_bytes(zip_bytes({"erin/task1.py": CODE, "erin/task2.py": CODE}))
    (submission,) = discover([archive], assignment=assignment)
    assert submission.id == "erin" and sorted(submission.files) == ["task1", "task2"]
    assert submission.files["task1"].path == f"{archive}:erin/task1.py"


def test_zip_of_a_class(tmp_path: Path, assignment: Assignment) -> None:
    archive = tmp_path / "class.zip"
    archive.write_bytes(
        zip_bytes(
            {
                "export/frank/task1.py": CODE,
                "export/grace/task2.py": CODE,
                "export/.DS_Store": b"\0",
            }
        )
    )
    submissions = discover([archive], assignment=assignment)
    assert [(s.id, sorted(s.files)) for s in submissions] == [
        ("frank", ["task1"]),
        ("grace", ["task2"]),
    ]


def test_vle_download_each_student_folder_holds_a_zip(
    tmp_path: Path, assignment: Assignment
) -> None:
    for name in ("heidi_123_assignsubmission_file", "ivan_456_assignsubmission_file"):
        folder = tmp_path / "download" / name
        folder.mkdir(parents=True)
        (folder / "hand-in.zip").write_bytes(zip_bytes({"task1.py": CODE, "task2.py": CODE}))
    submissions = discover([tmp_path / "download"], assignment=assignment)
    assert [s.id for s in submissions] == [
        "heidi_123_assignsubmission_file",
        "ivan_456_assignsubmission_file",
    ]
    assert all(sorted(s.files) == ["task1", "task2"] and not s.findings for s in submissions)


def test_class_zip_holding_student_zips(tmp_path: Path, assignment: Assignment) -> None:
    inner = zip_bytes({"task1.py": CODE})
    archive = tmp_path / "all.zip"
    archive.write_bytes(zip_bytes({"judy/judy.zip": inner, "kim/kim.zip": inner}))
    submissions = discover([archive], assignment=assignment)
    assert [(s.id, list(s.files)) for s in submissions] == [("judy", ["task1"]), ("kim", ["task1"])]


def test_broken_zip_is_a_finding(tmp_path: Path, assignment: Assignment) -> None:
    write(tmp_path / "class" / "leo", {"task1.py": CODE})
    (tmp_path / "class" / "mia.zip").write_bytes(b"PK\x03\x04 this is not really a zip")
    leo, mia = discover([tmp_path / "class"], assignment=assignment)
    assert leo.id == "leo" and not leo.findings
    assert mia.id == "mia" and mia.files == {}
    assert [(f.check, f.severity, f.file) for f in mia.findings] == [
        ("files.unreadable", Severity.VIOLATION, "task1.py"),
        ("files.unreadable", Severity.VIOLATION, "task2.py"),
    ]  # each task: the student handed something in, and it cannot be read
    assert (
        f"{tmp_path / 'class' / 'mia.zip'}: not a readable zip archive" in mia.findings[0].message
    )


def test_broken_zip_given_directly(tmp_path: Path, assignment: Assignment) -> None:
    archive = tmp_path / "ned.zip"
    archive.write_bytes(b"garbage")
    (submission,) = discover([archive], assignment=assignment)
    assert submission.id == "ned" and checks(submission) == ["files.unreadable"] * 2
    assert verdicts(submission, assignment) == {"task1": "invalid", "task2": "invalid"}


@pytest.mark.parametrize(
    "content, words",
    [
        (b"\x7fELF\0\0\0binary", "binary"),
        ("x = 'caf\u00e9'\n".encode("latin-1"), "UTF-8"),
        (b"# big\n" + b"x = 1\n" * (MAX_TASK_BYTES // 6 + 1), "larger than"),
    ],
)
def test_unreadable_task_files(
    tmp_path: Path, assignment: Assignment, content: bytes, words: str
) -> None:
    folder = write(tmp_path / "olga", {"task1.py": content, "task2.py": CODE})
    (submission,) = discover([folder], assignment=assignment)
    assert submission.files["task1"].text is None
    assert submission.files["task2"].text == CODE
    (finding,) = submission.findings
    assert finding.check == "files.unreadable" and finding.file == "task1.py"
    assert words in finding.message
    assert str(folder) not in finding.message  # the location says where; the message says what
    results = check_submission(submission, assignment=assignment)
    where = f"{folder / 'task1.py'}: [violation] files.unreadable: "
    (line,) = [
        line.text
        for line in check_lines([(submission, results)], task_files=TASK_FILES)
        if "files.unreadable" in line.text
    ]
    assert line.strip().startswith(where) and line.count(str(folder)) == 1


def test_symbolic_link_is_not_followed(tmp_path: Path, assignment: Assignment) -> None:
    folder = tmp_path / "pat"
    folder.mkdir()
    (folder / "task1.py").symlink_to(tmp_path / "elsewhere.py")  # dangling, and never followed
    (submission,) = discover([folder], assignment=assignment)
    assert submission.files["task1"].text is None and checks(submission) == ["files.unreadable"]


def test_missing_extra_and_ignored_files(tmp_path: Path, assignment: Assignment) -> None:
    folder = write(
        tmp_path / "quinn",
        {
            "task1.py": CODE,
            "helpers.py": CODE,
            "notebook.ipynb": "{}",
            "README.md": "notes",
            "notes.txt": "x",
            "__pycache__/task1.cpython-311.pyc": b"\0",
            ".hidden.py": CODE,
            "old/task1.py": CODE,
        },
    )
    (submission,) = discover([folder], assignment=assignment)
    assert list(submission.files) == ["task1"]  # task2 is missing: the checks report it
    assert submission.files["task1"].path == str(folder / "task1.py")  # the shallowest copy wins
    assert [Path(p).name for p in submission.extra_files] == [
        "helpers.py",
        "notebook.ipynb",
        "task1.py",
    ]
    assert checks(submission) == ["files.extra"] * 3


def test_duplicate_ids_are_made_unique(tmp_path: Path, assignment: Assignment) -> None:
    first = write(tmp_path / "a" / "rose", {"task1.py": CODE})
    second = write(tmp_path / "b" / "rose", {"task2.py": CODE})
    (tmp_path / "c").mkdir()
    (tmp_path / "c" / "rose.zip").write_bytes(zip_bytes({"task1.py": CODE}))
    submissions = discover([second, first, tmp_path / "c" / "rose.zip"], assignment=assignment)
    assert [s.id for s in submissions] == ["rose", "rose-2", "rose-3"]
    assert len({s.source for s in submissions}) == 3
    again = discover([first, second, tmp_path / "c" / "rose.zip"], assignment=assignment)
    assert [(s.id, s.source) for s in again] == [(s.id, s.source) for s in submissions]


def test_same_path_twice_is_one_submission(tmp_path: Path, assignment: Assignment) -> None:
    folder = write(tmp_path / "sam", {"task1.py": CODE})
    assert len(discover([folder, folder / ".." / "sam"], assignment=assignment)) == 1


def test_content_hash_follows_the_bytes(tmp_path: Path, assignment: Assignment) -> None:
    one = write(tmp_path / "x" / "tom", {"task1.py": CODE})
    two = write(tmp_path / "y" / "uma", {"task1.py": CODE})
    three = write(tmp_path / "z" / "val", {"task1.py": CODE + "# changed\n"})
    a, b, c = (discover([p], assignment=assignment)[0] for p in (one, two, three))
    assert a.sha256 == b.sha256 != c.sha256


@pytest.mark.parametrize("name", ["nowhere", "notes.txt"])
def test_bad_paths_raise(tmp_path: Path, assignment: Assignment, name: str) -> None:
    (tmp_path / "notes.txt").write_text("x")
    with pytest.raises(IntakeError):
        discover([tmp_path / name], assignment=assignment)


# ------------------------------------------------------------------------------ symbolic links


def test_a_linked_class_folder_given_on_the_command_line_is_read(
    tmp_path: Path, assignment: Assignment
) -> None:
    for name in ("alice", "bob"):
        write(tmp_path / "store" / "class-2024" / name, {"task1.py": CODE, "task2.py": CODE})
    (tmp_path / "class").symlink_to(tmp_path / "store" / "class-2024")
    (tmp_path / "late-carol").symlink_to(tmp_path / "store" / "class-2024" / "alice")
    (tmp_path / "dave.zip").symlink_to(tmp_path / "store" / "dave-upload")
    (tmp_path / "store" / "dave-upload").write_bytes(zip_bytes({"task1.py": CODE}))
    submissions = discover(
        [tmp_path / "class", tmp_path / "late-carol", tmp_path / "dave.zip"], assignment=assignment
    )
    assert [(s.id, sorted(s.files)) for s in submissions] == [
        ("alice", ["task1", "task2"]),
        ("bob", ["task1", "task2"]),
        ("dave", ["task1"]),
        ("late-carol", ["task1", "task2"]),  # named by the link the user gave
    ]
    assert submissions[0].files["task1"].path == str(tmp_path / "class" / "alice" / "task1.py")
    assert all(not s.findings for s in submissions)


def test_a_linked_task_file_given_on_the_command_line_is_read(
    tmp_path: Path, assignment: Assignment
) -> None:
    write(tmp_path / "drafts", {"cnn-final.py": CODE})
    (tmp_path / "erin").mkdir()
    (tmp_path / "erin" / "task1.py").symlink_to(tmp_path / "drafts" / "cnn-final.py")
    (submission,) = discover([tmp_path / "erin" / "task1.py"], assignment=assignment)
    assert submission.id == "erin" and submission.files["task1"].text == CODE


def test_a_linked_student_folder_inside_a_class_is_reported_not_dropped(
    tmp_path: Path, assignment: Assignment
) -> None:
    write(tmp_path / "class" / "alice", {"task1.py": CODE, "task2.py": CODE})
    write(tmp_path / "elsewhere" / "bob", {"task1.py": "print('not read')\n"})
    (tmp_path / "elsewhere" / "carol.zip").write_bytes(zip_bytes({"task1.py": CODE}))
    (tmp_path / "class" / "bob").symlink_to(tmp_path / "elsewhere" / "bob")
    (tmp_path / "class" / "carol.zip").symlink_to(tmp_path / "elsewhere" / "carol.zip")
    alice, bob, carol = discover([tmp_path / "class"], assignment=assignment)
    assert (alice.id, bob.id, carol.id) == ("alice", "bob", "carol")
    for linked in (bob, carol):
        assert linked.files == {} and checks(linked) == ["files.unreadable"] * 2
        assert all(f.severity is Severity.VIOLATION for f in linked.findings)
        assert "a symbolic link, not followed" in linked.findings[0].message
        assert verdicts(linked, assignment) == {"task1": "invalid", "task2": "invalid"}
    assert bob.source == str(tmp_path / "class" / "bob")


def test_a_class_of_linked_folders_is_a_class(tmp_path: Path, assignment: Assignment) -> None:
    for name in ("alice", "bob"):
        write(tmp_path / "elsewhere" / name, {"task1.py": CODE})
        (tmp_path / "class").mkdir(exist_ok=True)
        (tmp_path / "class" / name).symlink_to(tmp_path / "elsewhere" / name)
    submissions = discover([tmp_path / "class"], assignment=assignment)
    assert [(s.id, checks(s)) for s in submissions] == [
        ("alice", ["files.unreadable"] * 2),
        ("bob", ["files.unreadable"] * 2),
    ]


def test_a_link_inside_a_hand_in_is_never_followed(tmp_path: Path, assignment: Assignment) -> None:
    write(tmp_path / "bob", {"task2.py": "print('bob')\n"})
    (tmp_path / "bob.zip").write_bytes(zip_bytes({"task2.py": "print('bob')\n"}))
    whole = write(tmp_path / "class" / "alice", {"task1.py": CODE, "task2.py": CODE})
    (whole / "more.zip").symlink_to(tmp_path / "bob.zip")
    (whole / "old").symlink_to(tmp_path / "bob")
    half = write(tmp_path / "class" / "ann", {"task1.py": CODE})
    (half / "rest.zip").symlink_to(tmp_path / "bob.zip")
    alice, ann = discover([tmp_path / "class"], assignment=assignment)
    # every task file found: the links are only noted, where they are
    assert [(f.check, f.severity, f.file, f.message) for f in alice.findings] == [
        (
            "files.unreadable",
            Severity.WARNING,
            str(whole / "more.zip"),
            "a symbolic link, not followed",
        ),
        ("files.unreadable", Severity.WARNING, str(whole / "old"), "a symbolic link, not followed"),
    ]
    assert verdicts(alice, assignment) == {"task1": "valid", "task2": "valid"}
    # task2.py is not taken from the link; it may have been meant: unreadable, not missing
    assert list(ann.files) == ["task1"]
    (finding,) = ann.findings
    assert (finding.check, finding.severity, finding.file) == (
        "files.unreadable",
        Severity.VIOLATION,
        "task2.py",
    )
    assert f"{half / 'rest.zip'}: a symbolic link, not followed" in finding.message
    assert verdicts(ann, assignment) == {"task1": "valid", "task2": "invalid"}


def test_links_that_cannot_hold_a_hand_in_change_nothing(
    tmp_path: Path, assignment: Assignment, caplog: pytest.LogCaptureFixture
) -> None:
    write(tmp_path / "docs", {"notes.txt": "x", "marks.csv": "x"})
    write(tmp_path / "class" / "alice", {"task1.py": CODE})
    (tmp_path / "class" / "marks.csv").symlink_to(tmp_path / "docs" / "marks.csv")
    (tmp_path / "class" / "alice" / "notes.txt").symlink_to(tmp_path / "docs" / "notes.txt")
    with caplog.at_level(logging.WARNING):
        (alice,) = discover([tmp_path / "class"], assignment=assignment)
    assert "marks.csv: a symbolic link beside the students' folders; ignored" in caplog.text
    assert alice.id == "alice" and not alice.findings  # a link to notes holds no task file
    assert verdicts(alice, assignment) == {"task1": "valid", "task2": "missing"}


# --------------------------------------------------------------------- unreadable is not missing


def test_a_student_folder_that_cannot_be_listed_is_unreadable_not_missing(
    tmp_path: Path, assignment: Assignment, monkeypatch: pytest.MonkeyPatch
) -> None:
    write(tmp_path / "class" / "alice", {"task1.py": CODE, "task2.py": CODE})
    locked = write(tmp_path / "class" / "bob", {"task1.py": CODE})
    children = PathNode.children

    def listing(node: PathNode) -> list[Node]:
        if node.path == locked:  # root reads any folder: refuse this one by hand
            raise PermissionError(13, "Permission denied", str(node.path))
        return children(node)

    monkeypatch.setattr(PathNode, "children", listing)
    alice, bob = discover([tmp_path / "class"], assignment=assignment)
    assert not alice.findings and bob.files == {}
    assert [(f.check, f.severity, f.file) for f in bob.findings] == [
        ("files.unreadable", Severity.VIOLATION, "task1.py"),
        ("files.unreadable", Severity.VIOLATION, "task2.py"),
    ]
    assert bob.findings[0].message.endswith(f"{locked}: cannot be listed (Permission denied)")
    assert verdicts(bob, assignment) == {"task1": "invalid", "task2": "invalid"}
    (direct,) = discover([locked], assignment=assignment)
    assert direct.id == "bob" and verdicts(direct, assignment)["task1"] == "invalid"


def test_a_broken_archive_beside_the_task_files(tmp_path: Path, assignment: Assignment) -> None:
    folder = write(tmp_path / "vle" / "gus", {"task1.py": CODE, "hand-in.zip": b"PK broken"})
    (submission,) = discover([tmp_path / "vle" / "gus"], assignment=assignment)
    (finding,) = submission.findings
    assert (finding.check, finding.severity, finding.file) == (
        "files.unreadable",
        Severity.VIOLATION,
        "task2.py",
    )  # task2.py may be in the archive that cannot be opened
    assert verdicts(submission, assignment) == {"task1": "valid", "task2": "invalid"}
    write(folder, {"task2.py": CODE})
    (submission,) = discover([folder], assignment=assignment)
    (finding,) = submission.findings
    assert (finding.check, finding.severity) == ("files.unreadable", Severity.WARNING)
    assert finding.file == str(folder / "hand-in.zip")  # the full location, not a bare name
    assert finding.message.startswith("not a readable zip archive")
    assert verdicts(submission, assignment) == {"task1": "valid", "task2": "valid"}


def test_a_vle_download_whose_archive_is_broken(tmp_path: Path, assignment: Assignment) -> None:
    write(tmp_path / "download" / "hal_1_assignsubmission_file", {"hand-in.zip": b"garbage"})
    write(tmp_path / "download" / "ida_2_assignsubmission_file", {"hand-in.zip": b"garbage"})
    hal, ida = discover([tmp_path / "download"], assignment=assignment)
    assert hal.files == ida.files == {} and checks(hal) == ["files.unreadable"] * 2
    assert verdicts(hal, assignment) == {"task1": "invalid", "task2": "invalid"}


def test_archive_findings_name_the_whole_location(tmp_path: Path, assignment: Assignment) -> None:
    deep = zip_bytes({"inner.zip": zip_bytes({"task9.py": CODE})})
    archive = tmp_path / "kai.zip"
    archive.write_bytes(zip_bytes({"task1.py": CODE, "task2.py": CODE, "nested.zip": deep}))
    (submission,) = discover([archive], assignment=assignment)
    (finding,) = submission.findings
    assert (finding.check, finding.severity) == ("files.unreadable", Severity.WARNING)
    assert finding.file == f"{archive}:nested.zip:inner.zip"
    assert finding.file not in finding.message
