"""Where the grader finds its materials, and ``--assignment`` pointing at another assignment.

``grader.materials`` prefers the copy a build packs into ``grader/_materials/`` and falls back to
the checkout (an editable install); the folders here are real ones laid out as an installed
package and a checkout are. The built wheel itself is tested in ``test_wheel.py``.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

import grader
from grader.cli import main
from grader.materials import (
    PACKAGED,
    SPEC_NAME,
    TEMPLATES,
    MaterialsError,
    default_spec,
    materials_root,
    templates,
)
from grader.spec import SpecError, load_assignment

ASSIGNMENT_PARTS = ("assignment.toml", "reference", "data")


def _materials(folder: Path, repo_root: Path) -> Path:
    """``folder`` holding a spec and the templates, as the build lays them out."""
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copy(repo_root / SPEC_NAME, folder)
    shutil.copytree(repo_root / TEMPLATES, folder / TEMPLATES)
    return folder


def _assignment_copy(folder: Path, repo_root: Path) -> Path:
    """A whole assignment folder (spec, originals, solutions, dataset) away from the checkout."""
    folder.mkdir(parents=True)
    for part in ASSIGNMENT_PARTS:
        source = repo_root / part
        if source.is_dir():
            shutil.copytree(source, folder / part)
        else:
            shutil.copy(source, folder / part)
    return folder


# ------------------------------------------------------------------------------ the lookup


def test_this_checkout_is_where_the_development_grader_finds_its_materials(
    repo_root: Path,
) -> None:
    package = Path(grader.__file__).parent
    assert not (package / PACKAGED).exists()  # the build's copy never lands in the source tree
    assert materials_root() == package.parent
    assert default_spec() == package.parent / SPEC_NAME
    assert templates() == package.parent / TEMPLATES
    assert (templates() / "index.html.j2").is_file()


def test_a_packaged_copy_wins_over_the_folder_around_the_package(
    tmp_path: Path, repo_root: Path
) -> None:
    (tmp_path / "pyproject.toml").write_text("")
    _materials(tmp_path, repo_root)  # looks like a checkout too
    package = tmp_path / "grader"
    packaged = _materials(package / PACKAGED, repo_root)
    assert materials_root(package=package) == packaged


def test_a_checkout_without_a_packaged_copy_is_used(tmp_path: Path, repo_root: Path) -> None:
    (tmp_path / "pyproject.toml").write_text("")
    _materials(tmp_path, repo_root)
    (tmp_path / "grader").mkdir()
    assert materials_root(package=tmp_path / "grader") == tmp_path


@pytest.mark.parametrize("missing", ["pyproject.toml", SPEC_NAME, TEMPLATES])
def test_an_installed_package_without_its_materials_is_one_clear_error(
    tmp_path: Path, repo_root: Path, missing: str
) -> None:
    """site-packages holds no pyproject.toml: a wheel built without the materials is found out."""
    (tmp_path / "pyproject.toml").write_text("")
    _materials(tmp_path, repo_root)
    target = tmp_path / missing
    if target.is_dir():
        shutil.rmtree(target)
    else:
        target.unlink()
    (tmp_path / "grader" / PACKAGED).mkdir(parents=True)  # a copy without its files
    with pytest.raises(MaterialsError, match="reinstall") as caught:
        materials_root(package=tmp_path / "grader")
    assert "\n" not in str(caught.value)


def test_missing_materials_stop_the_commands_with_one_line_and_exit_2(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str],
    repo_root: Path,
) -> None:
    import grader.materials

    monkeypatch.setattr(grader.materials, "_package_folder", lambda: tmp_path / "grader")
    student = repo_root / "submissions" / "s2301147_ada"
    assert main(["check", str(student)]) == 2
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "grader.sqlite").write_bytes(b"")
    assert main(["report", str(tmp_path / "out")]) == 2
    lines = capsys.readouterr().err.splitlines()
    assert [line.split(":")[0] for line in lines] == ["grader check", "grader report"]
    assert all("reinstall" in line for line in lines)


# ------------------------------------------------------------------------- --assignment


def test_an_assignment_folder_means_its_spec(tmp_path: Path, repo_root: Path) -> None:
    folder = _assignment_copy(tmp_path / "a3", repo_root)
    by_folder = load_assignment(folder)
    assert by_folder == load_assignment(folder / SPEC_NAME)
    assert by_folder.root == folder


def test_paths_in_a_spec_resolve_against_its_folder_from_any_working_folder(
    tmp_path: Path, repo_root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _assignment_copy(tmp_path / "courses" / "a3", repo_root)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    spec = load_assignment("../courses/a3")  # relative to the working folder, as typed
    folder = tmp_path / "courses" / "a3"
    assert spec.dataset == folder / "data" / "dataset.txt"
    assert [t.original for t in spec.tasks] == [
        folder / "reference" / "original" / f"{t.id}.py" for t in spec.tasks
    ]
    assert all(t.solution.is_file() for t in spec.tasks)


def test_a_folder_without_a_spec_is_a_spec_error_naming_it(tmp_path: Path) -> None:
    with pytest.raises(SpecError, match="not found") as caught:
        load_assignment(tmp_path)
    assert str(tmp_path / SPEC_NAME) in str(caught.value)


def test_an_unreadable_spec_is_a_spec_error(tmp_path: Path) -> None:
    spec = tmp_path / SPEC_NAME
    spec.write_bytes(b"name = \xff\n")
    with pytest.raises(SpecError, match="cannot read"):
        load_assignment(spec)


def test_grader_check_takes_another_assignment_folder(
    tmp_path: Path, repo_root: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A changed original in the other folder changes what counts as provided: it is used."""
    folder = _assignment_copy(tmp_path / "a3", repo_root)
    original = folder / "reference" / "original" / "task1.py"
    original.write_text(original.read_text().replace("Test error:", "Test  error:", 1))
    student = repo_root / "submissions" / "s2301147_ada"
    assert main(["check", "--json", str(student)]) == 0
    capsys.readouterr()
    assert main(["check", "--json", "--assignment", str(folder), str(student)]) == 1
    found = json.loads(capsys.readouterr().out)[0]["tasks"]["task1"]["findings"]
    assert "protected.modified" in {f["check"] for f in found}
