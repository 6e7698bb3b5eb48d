"""Intake: folders, class folders, loose files and zip archives become submissions; nothing
unreadable stops the batch."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest

from grader.intake import MAX_TASK_BYTES, IntakeError, discover
from grader.records import Submission
from grader.spec import Assignment

CODE = "print('hello')\n"


def write(folder: Path, files: dict[str, str | bytes]) -> Path:
    for name, content in files.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content)
    return folder


def zip_bytes(files: dict[str, str | bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, content in files.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def checks(submission: Submission) -> list[str]:
    return sorted(f.check for f in submission.findings)


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
    assert mia.id == "mia" and mia.files == {} and checks(mia) == ["files.unreadable"]


def test_broken_zip_given_directly(tmp_path: Path, assignment: Assignment) -> None:
    archive = tmp_path / "ned.zip"
    archive.write_bytes(b"garbage")
    (submission,) = discover([archive], assignment=assignment)
    assert submission.id == "ned" and checks(submission) == ["files.unreadable"]


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
