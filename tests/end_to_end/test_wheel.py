"""The grader as an instructor installs it: built, installed in a fresh venv, run from anywhere.

The sdist and the wheel are built from a copy of the project's sources, offline (no build
isolation: the build tools of this environment), as ``python -m build`` does: the wheel from the
sdist, so the sdist is known to carry everything too. The wheel goes into a fresh venv that cannot
see this checkout; the dependencies (TensorFlow among them) are made importable by a ``.pth`` line
naming this environment's site-packages instead of being downloaded again. Then ``grader check``
and ``grader report`` run from a folder elsewhere, under an audit hook that records every file
and folder the grader opens: nothing of the checkout may be among them, and their outputs must be
those of the development grader. An editable install of the same sources still reads its
checkout's folders.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import sysconfig
import tomllib
import zipfile
from dataclasses import dataclass
from pathlib import Path

import pytest

from grader import __version__, pipeline
from grader.cli import main
from grader.records import RunOutcome, RunSpec
from grader.store.database import STORE_NAME
from tests.runtime_fakes import FakeExecutor, facts, outcome

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
#: what a checkout holds at its top level besides the sources of a distribution
NOT_SOURCE = {".git", ".venv", "build", "dist", "report", "tests", "submissions"}
#: and anywhere
NOT_SOURCE_ANYWHERE = shutil.ignore_patterns("__pycache__", "*.egg-info", ".*_cache")
#: where this environment's dependencies live (a fresh venv borrows them through a .pth file)
DEPENDENCIES = sorted({sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]})
#: and their executables: ruff's finds its binary from its package (<prefix>/bin/ruff), and CI's
#: venv is inside the checkout
EXECUTABLES = sysconfig.get_paths()["scripts"]
PACKAGED = "grader/_materials"
#: runs the grader's command line under an audit hook; writes to argv[1] every path it opened or
#: gave a child process
AUDITED = """\
import json, os, sys

opened = set()

def record(event, args):
    if event in ("open", "os.listdir", "os.scandir", "sqlite3.connect") and args:
        if isinstance(args[0], (str, bytes, os.PathLike)):
            opened.add(os.path.abspath(os.fsdecode(args[0])))
    elif event == "subprocess.Popen":  # the paths a child is started with (or bound into it)
        opened.update(os.fsdecode(a) for a in args[1] if os.path.isabs(os.fsdecode(a)))

sys.addaudithook(record)
from grader.cli import main

code = main(sys.argv[2:])
with open(sys.argv[1], "w") as out:
    json.dump(sorted(opened), out)
sys.exit(code)
"""


@dataclass(frozen=True)
class Installed:
    """A fresh venv with the grader installed, and where its ``grader`` package lives."""

    python: Path
    package: Path

    def grader(self, *args: str, cwd: Path) -> tuple[subprocess.CompletedProcess[str], list[Path]]:
        """``grader ARGS`` run in ``cwd``, and every path it opened."""
        script, log = cwd / "audited.py", cwd / "opened.json"
        script.write_text(AUDITED)
        done = subprocess.run([str(self.python), "-I", str(script), str(log), *args], cwd=cwd,
                              env=_clean_env(), capture_output=True, text=True, timeout=300)
        opened = [Path(p) for p in json.loads(log.read_text())] if log.is_file() else []
        script.unlink()
        log.unlink(missing_ok=True)
        return done, opened


def _clean_env() -> dict[str, str]:
    """This environment, minus what would put the checkout or another venv on the path."""
    return {k: v for k, v in os.environ.items()
            if k not in ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV", "PYTHONSTARTUP")}


def _run(*argv: str | Path, cwd: Path | None = None) -> str:
    done = subprocess.run([str(a) for a in argv], cwd=cwd, env=_clean_env(), capture_output=True,
                          text=True, timeout=600)
    assert done.returncode == 0, f"{argv} failed:\n{done.stdout}\n{done.stderr}"
    return done.stdout


def _install(wheel: Path, venv: Path) -> Installed:
    """A fresh venv holding ``wheel`` alone, then this environment's dependencies made visible."""
    _run(sys.executable, "-m", "venv", venv)
    python = venv / "bin" / "python"
    _run(python, "-m", "pip", "install", "-q", "--no-deps", "--no-index", wheel)
    site = Path(_run(python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])")
                .strip())
    (site / "zz_grader_test_dependencies.pth").write_text("\n".join(DEPENDENCIES) + "\n")
    package = _run(python, "-I", "-c", "import grader, os; print(os.path.dirname(grader.__file__))")
    return Installed(python=python, package=Path(package.strip()))


def _not_source(folder: str, names: list[str]) -> set[str]:
    top = NOT_SOURCE.intersection(names) if Path(folder) == ROOT else set()
    return top | NOT_SOURCE_ANYWHERE(folder, names)


def _from_checkout(opened: list[Path]) -> list[Path]:
    """The opened paths inside this checkout (its venv's dependencies and programs excepted)."""
    return [p for p in opened if p.is_relative_to(ROOT)
            and not any(p.is_relative_to(d) for d in (*DEPENDENCIES, EXECUTABLES))]


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """The project's sources copied away from the checkout, and the sdist and wheel built."""
    tmp = tmp_path_factory.mktemp("wheel")
    source, dist = tmp / "source", tmp / "dist"
    shutil.copytree(ROOT, source, ignore=_not_source)
    _run(sys.executable, "-m", "build", "--no-isolation", "--outdir", dist, source)
    return source, dist


@pytest.fixture(scope="module")
def wheel(built: tuple[Path, Path]) -> Path:
    (found,) = built[1].glob("grader-*.whl")
    return found


@pytest.fixture(scope="module")
def installed(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Installed:
    return _install(wheel, tmp_path_factory.mktemp("venv") / "venv")


@pytest.fixture
def elsewhere(tmp_path: Path) -> Path:
    """A working folder far from the checkout, holding a copy of two example students."""
    work = tmp_path / "elsewhere"
    for student in ("s2301147_ada", "s2303051_chen"):
        shutil.copytree(ROOT / "submissions" / student, work / "class" / student)
    return work


# ---------------------------------------------------------------------------- the artefacts


def test_the_wheel_carries_the_templates_and_the_default_assignment(wheel: Path) -> None:
    spec = tomllib.loads((ROOT / "assignment.toml").read_text(encoding="utf-8"))
    named = [spec["dataset"], *(t[k] for t in spec["tasks"] for k in ("original", "solution"))]
    templates = [p.relative_to(ROOT).as_posix() for p in (ROOT / "report_templates").iterdir()]
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        for name in ["assignment.toml", "data/README.md", *named, *templates]:
            assert archive.read(f"{PACKAGED}/{name}") == (ROOT / name).read_bytes(), name
        dataset = archive.read(f"{PACKAGED}/{spec['dataset']}")
    assert hashlib.sha256(dataset).hexdigest() == spec["dataset_sha256"]
    # only the package and its metadata: no tests, no example class, no top-level folders
    assert {n.split("/")[0] for n in names} == {"grader", f"grader-{__version__}.dist-info"}


def test_the_sdist_carries_the_top_level_folders_the_build_copies(built: tuple[Path, Path]) -> None:
    import tarfile

    (sdist,) = built[1].glob("grader-*.tar.gz")
    with tarfile.open(sdist) as archive:
        names = {n.split("/", 1)[1] for n in archive.getnames() if "/" in n}
    assert {"assignment.toml", "setup.py", "data/dataset.txt", "data/README.md",
            "reference/original/task1.py", "reference/solution/task2.py",
            "report_templates/report.js"} <= names


# ------------------------------------------------------------------------- the installed grader


def test_the_installed_grader_lives_in_the_fresh_venv(installed: Installed) -> None:
    assert installed.package.is_relative_to(installed.python.parent.parent)
    assert (installed.package / "_materials" / "assignment.toml").is_file()


def test_grader_check_from_any_folder_reads_only_its_packaged_assignment(
    installed: Installed, elsewhere: Path, capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    done, opened = installed.grader("check", "--json", "class", cwd=elsewhere)
    assert done.returncode == 1, done.stderr  # chen seeds: a violation
    found = {s["id"]: {t: [f["check"] for f in v["findings"]] for t, v in s["tasks"].items()}
             for s in json.loads(done.stdout)}
    assert found == {"s2301147_ada": {"task1": [], "task2": []},
                     "s2303051_chen": {"task1": ["seed", "seed"], "task2": []}}
    monkeypatch.chdir(elsewhere)
    assert main(["check", "--json", "class"]) == 1  # the development grader says the same
    assert json.loads(capsys.readouterr().out) == json.loads(done.stdout)
    materials = installed.package / "_materials"
    assert {materials / "assignment.toml", materials / "reference" / "original" / "task1.py",
            elsewhere / "class" / "s2303051_chen" / "task1.py"} <= set(opened)
    assert _from_checkout(opened) == []


def test_grader_run_from_any_folder_runs_a_script_under_the_packaged_harness(
    installed: Installed, tmp_path: Path,
) -> None:
    """One run of a script that prints the three lines without TensorFlow: seconds, not minutes.

    Its findings come from every stage: the diff against the packaged original, the harness in
    the child (no training seen), the printed numbers parsed in the provided format.
    """
    work = tmp_path / "elsewhere"
    (work / "class" / "zoe").mkdir(parents=True)
    (work / "class" / "zoe" / "task1.py").write_text(
        'print("Test error: 5.00%")\nprint("Model size: 100")\nprint("Duration: 1.0s")\n')
    done, opened = installed.grader("run", "class", "--runs", "1", "--tasks", "task1",
                                    "--no-analysis", cwd=work)
    assert done.returncode == 0, done.stderr
    (zoe,) = json.loads((work / "report" / "results.json").read_text())["submissions"]
    task = zoe["tasks"]["task1"]
    assert [(r["status"], r["error_pct"], r["model_size"]) for r in task["runs"]] == [
        ("ok", 5.0, 100)]
    assert {"protected.modified", "training.none"} <= {f["check"] for f in task["findings"]}
    assert list(zoe["tasks"]) == ["task1"]
    assert (work / "report" / "index.html").is_file()
    harness = installed.package / "harness"
    assert any(p.is_relative_to(harness) for p in opened)  # the child ran the packaged harness
    assert installed.package / "_materials" / "data" / "dataset.txt" in opened
    assert _from_checkout(opened) == []


def test_grader_report_from_any_folder_renders_a_store_with_the_packaged_templates(
    installed: Installed, elsewhere: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The store is graded by the development grader (canned runs); the wheel re-renders it."""

    def answer(spec: RunSpec) -> RunOutcome:
        layers = ("Conv2D", "Dense") if spec.task == "task1" else ("GRU", "Dense")
        return outcome(spec.index, error=2.0, isolated=True, facts=facts(layers=layers))

    monkeypatch.setattr(pipeline, "make_executor", lambda settings: FakeExecutor(answer))
    out = elsewhere / "out"
    assert main(["run", str(elsewhere / "class"), "--out", str(out), "--runs", "1",
                 "--no-analysis"]) == 0
    expected = {name: (out / name).read_text() for name in ("results.json", "grades.csv")}
    for path in out.iterdir():
        if path.is_dir():
            shutil.rmtree(path)
        elif path.name != STORE_NAME:
            path.unlink()

    done, opened = installed.grader("report", "out", cwd=elsewhere)
    assert done.returncode == 0, done.stderr
    assert "re-rendered 2 submission(s)" in done.stdout
    assert {name: (out / name).read_text() for name in expected} == expected
    assert (out / "assets" / "report.css").read_bytes() == (
        ROOT / "report_templates" / "report.css").read_bytes()
    pages = {p.name for p in (out / "students").iterdir()}
    assert len(pages) == 2 and all(p.endswith(".html") for p in pages)
    assert "s2303051_chen" in (out / "index.html").read_text()
    templates = installed.package / "_materials" / "report_templates"
    used = {templates / "student.html.j2", templates / "report.css", out / STORE_NAME}
    assert used <= set(opened)
    assert _from_checkout(opened) == []


def test_an_editable_install_reads_its_checkouts_folders(
    built: tuple[Path, Path], elsewhere: Path, tmp_path: Path,
) -> None:
    """``pip install -e .`` (the README's line): nothing is copied, the checkout is read."""
    source = built[0]
    _run(sys.executable, "-c", "import sys, build; "
         "build.ProjectBuilder(sys.argv[1]).build('editable', sys.argv[2])", source, tmp_path)
    (editable_wheel,) = tmp_path.glob("grader-*.whl")
    editable = _install(editable_wheel, tmp_path / "venv")
    assert editable.package == source / "grader"
    done, opened = editable.grader("check", "class", cwd=elsewhere)
    assert done.returncode == 1, done.stderr
    assert "seed" in done.stdout
    assert {source / "assignment.toml", source / "reference" / "original" / "task2.py"} <= set(
        opened)
    assert not any(p.is_relative_to(editable.python.parent.parent / "lib") and "_materials"
                   in p.parts for p in opened)
    assert _from_checkout(opened) == []
