"""The spec is validated when it is loaded: every fault is one SpecError line, and the CLI turns
it into one line on stderr and exit 2, never a traceback."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from grader.cli import main
from grader.spec import SpecError, load_assignment

MATERIALS = ("data/dataset.txt", "reference/original/task1.py", "reference/original/task2.py",
             "reference/solution/task1.py", "reference/solution/task2.py")


def _spec(tmp_path: Path, repo_root: Path, *edits: tuple[str, str]) -> Path:
    """The shipped spec beside ``tmp_path`` (materials by absolute path), with regex edits."""
    text = (repo_root / "assignment.toml").read_text(encoding="utf-8")
    for relative in MATERIALS:
        text = text.replace(f'"{relative}"', f'"{repo_root / relative}"')
    for pattern, replacement in edits:
        text, count = re.subn(pattern, replacement, text, count=1, flags=re.MULTILINE)
        assert count == 1, pattern
    spec = tmp_path / "assignment.toml"
    spec.write_text(text, encoding="utf-8")
    return spec


@pytest.mark.parametrize(
    ("pattern", "replacement", "names"),
    [
        (r"^runs = \d+", "runs = 0", "runs"),
        (r"^runs = \d+", "runs = 2.5", "runs"),
        (r"^hard_timeout_s = \d+", "hard_timeout_s = -1", "hard_timeout_s"),
        (r"^hard_timeout_s = \d+", "hard_timeout_s = nan", "hard_timeout_s"),
        (r"^memory_mb = \d+", "memory_mb = -1", "memory_mb"),
        (r"^memory_mb = \d+", "memory_mb = 4096.5", "memory_mb"),
        (r"^output_kb = \d+", "output_kb = 0", "output_kb"),
        (r"^processes = \d+", "processes = 0", "processes"),
        (r"^processes = \d+", "processes = true", "processes"),
        (r"^threads = \d+", "threads = 0", "threads"),
        (r"^max_params = 1_000_000", "max_params = -5", "max_params"),
        (r"^max_mean_duration_s = 300.0", "max_mean_duration_s = 0", "max_mean_duration_s"),
        (r'^id = "task2"', 'id = "task1"', "unique"),
        (r'^file = "task2.py"', 'file = "task1.py"', "unique"),
    ],
)
def test_a_limit_out_of_range_or_a_repeated_task_is_one_error(
    tmp_path: Path, repo_root: Path, pattern: str, replacement: str, names: str
) -> None:
    spec = _spec(tmp_path, repo_root, (pattern, replacement))
    with pytest.raises(SpecError, match=names) as caught:
        load_assignment(spec)
    assert "\n" not in str(caught.value)


@pytest.mark.parametrize(
    ("pattern", "replacement"),
    [
        (r"^hard_timeout_s = \d+", "hard_timeout_s = 0.5"),  # a fraction of a second is a limit
        (r"^memory_mb = \d+", "memory_mb = 1"),
        (r"^runs = \d+", "runs = 1"),
        (r'^id = "task2"', 'id = "task2b"'),
    ],
)
def test_the_smallest_valid_values_load(
    tmp_path: Path, repo_root: Path, pattern: str, replacement: str
) -> None:
    load_assignment(_spec(tmp_path, repo_root, (pattern, replacement)))


def test_a_folder_without_a_spec_given_as_the_spec(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SpecError, match="not found"):
        load_assignment(tmp_path)
    (tmp_path / "assignment.toml").mkdir()  # a folder where the spec file should be
    with pytest.raises(SpecError, match="a folder"):
        load_assignment(tmp_path)
    assert main(["check", str(tmp_path), "--assignment", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "a folder" in err and "Traceback" not in err


@pytest.mark.parametrize("encoding", ["utf-16", "latin-1"])
def test_a_spec_that_is_not_utf8(
    tmp_path: Path, repo_root: Path, encoding: str, capsys: pytest.CaptureFixture[str]
) -> None:
    spec = _spec(tmp_path, repo_root, (r"^name = .*$", 'name = "Übung 3"'))
    spec.write_bytes(spec.read_text(encoding="utf-8").encode(encoding))
    with pytest.raises(SpecError, match="save it as UTF-8"):
        load_assignment(spec)
    assert main(["report", str(tmp_path), "--assignment", str(spec)]) == 2
    out = tmp_path / "o"
    assert main(["run", str(tmp_path), "--out", str(out), "--assignment", str(spec)]) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err and not out.exists()


def test_a_utf8_spec_with_non_ascii_text_loads(tmp_path: Path, repo_root: Path) -> None:
    spec = _spec(tmp_path, repo_root, (r"^name = .*$", 'name = "Übung 3"'))
    assert load_assignment(spec).name == "Übung 3"
