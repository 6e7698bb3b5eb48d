"""The static stage's orchestrator and the ``grader check`` command."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterable
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from grader.checks import stage as checking
from grader.checks.apply import apply_checks
from grader.checks.base import StaticCheck, TaskContext
from grader.checks.stage import check_paths, check_submission
from grader.cli import main
from grader.intake.discover import discover
from grader.records import Finding, Severity
from grader.spec import Assignment

ROOT = Path(__file__).resolve().parents[2]


def student(tmp_path: Path, name: str, assignment: Assignment, **edits: tuple[str, str]) -> Path:
    """A student folder holding both reference solutions (the originals where a solution is
    missing), with ``task1=(old, new)``-style edits."""
    folder = tmp_path / name
    folder.mkdir(parents=True)
    for task in assignment.tasks:
        text = (task.solution if task.solution.is_file() else task.original).read_text()
        if task.id in edits:
            old, new = edits[task.id]
            assert old in text
            text = text.replace(old, new)
        (folder / task.file).write_text(text)
    return folder


def test_untouched_solutions_have_no_findings(tmp_path: Path, assignment: Assignment) -> None:
    (submission,) = discover([student(tmp_path, "ok", assignment)], assignment=assignment)
    results = check_submission(submission, assignment=assignment)
    assert sorted(results) == ["task1", "task2"]
    assert all(r.findings == () and r.diff is not None for r in results.values())


def test_missing_unreadable_and_syntax(tmp_path: Path, assignment: Assignment) -> None:
    folder = tmp_path / "broken"
    folder.mkdir()
    (folder / "task1.py").write_text("def broken(:\n    pass\n")
    (folder / "task2_final.py").write_text("x = 1\n")
    (submission,) = discover([folder], assignment=assignment)
    results = check_submission(submission, assignment=assignment)
    syntax = [f for f in results["task1"].findings if f.check == "syntax"]
    assert [(f.line, f.severity) for f in syntax] == [(1, Severity.VIOLATION)]
    assert results["task1"].diff is not None  # the diff is still shown to the marker
    missing = [f for f in results["task2"].findings if f.check == "files.missing"]
    assert len(missing) == 1 and "task2_final.py" in missing[0].message
    assert results["task2"].diff is None
    # the extra, misnamed file concerns the whole hand-in: both tasks show it
    assert all(any(f.check == "files.extra" for f in r.findings) for r in results.values())

    (folder / "task2.py").write_bytes(b"\0\1\2")
    (submission,) = discover([folder], assignment=assignment)
    results = check_submission(submission, assignment=assignment, tasks=["task2"])
    assert list(results) == ["task2"]
    assert [f.check for f in results["task2"].findings if f.severity is Severity.VIOLATION] == [
        "files.unreadable"
    ]


class Exploding(StaticCheck):
    id = "test.exploding"  # type: ignore[assignment]  # a stand-in, not an id of the table

    def check(self, ctx: TaskContext) -> Iterable[Finding]:
        raise RuntimeError("bug in a check")


class Quiet(StaticCheck):
    id = "test.quiet"  # type: ignore[assignment]  # a stand-in, not an id of the table

    def check(self, ctx: TaskContext) -> Iterable[Finding]:
        yield self.finding("still ran", file=ctx.file.name)


def test_a_check_that_raises_becomes_a_warning(tmp_path: Path, assignment: Assignment) -> None:
    import ast

    from grader.original.parse import parse_original

    task = assignment.task("task1")
    (submission,) = discover([student(tmp_path, "s", assignment)], assignment=assignment)
    file = submission.files["task1"]
    ctx = TaskContext(
        assignment=assignment,
        task=task,
        file=file,
        tree=ast.parse(file.text or ""),
        original=parse_original(task),
        provided_lines=frozenset(),
    )
    findings = apply_checks(ctx, [Exploding(), Quiet()])
    assert [(f.check, f.severity) for f in findings] == [
        ("test.exploding", Severity.WARNING),
        ("test.quiet", Severity.VIOLATION),
    ]
    assert "bug in a check" in findings[0].message


def test_check_paths_in_parallel_matches_serial(
    tmp_path: Path, assignment: Assignment, monkeypatch: pytest.MonkeyPatch
) -> None:
    for i in range(6):
        student(
            tmp_path / "class",
            f"s{i}",
            assignment,
            task1=("full_output = False", f"full_output = {bool(i % 2)}"),
        )
    pools: list[int | None] = []

    class CountedPool(ProcessPoolExecutor):
        """The pool checking.py starts, counted (only the parent ever builds one)."""

        def __init__(self, max_workers: int | None = None, **kwargs: Any) -> None:
            pools.append(max_workers)
            super().__init__(max_workers, **kwargs)

    monkeypatch.setattr(checking, "ProcessPoolExecutor", CountedPool)
    serial = check_paths([tmp_path / "class"], assignment=assignment, jobs=1)
    few = check_paths([tmp_path / "class"], assignment=assignment, jobs=2)
    assert pools == []  # six students do not repay starting processes
    # a keyword, not a patched module constant: the pool's processes read the module afresh
    parallel = check_paths([tmp_path / "class"], assignment=assignment, jobs=2, parallel_from=1)
    assert pools == [2]
    assert [(s.id, r) for s, r in serial] == [(s.id, r) for s, r in parallel]
    assert [(s.id, r) for s, r in serial] == [(s.id, r) for s, r in few]
    flagged = [s.id for s, r in serial if r["task1"].findings]
    assert flagged == ["s1", "s3", "s5"]


def test_checking_never_imports_tensorflow(tmp_path: Path, assignment: Assignment) -> None:
    student(tmp_path / "class", "a", assignment)
    script = (
        "import sys\nfrom pathlib import Path\nfrom grader.spec import load_assignment\n"
        "from grader.checks.stage import check_paths\n"
        f"check_paths([Path({str(tmp_path / 'class')!r})], assignment=load_assignment(), jobs=1)\n"
        "assert 'tensorflow' not in sys.modules, 'tensorflow was imported'\n"
    )
    subprocess.run([sys.executable, "-c", script], check=True, cwd=ROOT, timeout=120)


# ------------------------------------------------------------------------------------ the command


def test_cli_clean_submission_exits_0(
    tmp_path: Path, assignment: Assignment, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["check", str(student(tmp_path, "clean", assignment))]) == 0
    out = capsys.readouterr().out
    assert out.count("no violations found by static checks") == 2
    assert "clean" in out


def test_cli_violation_exits_1_with_file_and_line(
    tmp_path: Path, assignment: Assignment, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = student(
        tmp_path,
        "cheat",
        assignment,
        task1=("predictions != test_y", "predictions == test_y"),
        task2=("full_output = False", "full_output = True"),
    )
    assert main(["check", str(folder)]) == 1
    out = capsys.readouterr().out
    changed = (
        (folder / "task1.py")
        .read_text()
        .splitlines()
        .index("test_error = 100.0 * np.mean(predictions == test_y)")
    )
    assert f"{folder / 'task1.py'}:{changed + 1}: [violation] protected.modified: " in out
    assert f"{folder / 'task2.py'}:8: [violation] flags.not_false: " in out
    assert out.count("invalid: 1 violation\n") == 2


def test_cli_missing_task(
    tmp_path: Path, assignment: Assignment, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = student(tmp_path, "half", assignment)
    (folder / "task2.py").unlink()
    assert main(["check", str(folder / "task1.py")]) == 1
    out = capsys.readouterr().out
    assert f"{folder / 'task2.py'}: [violation] files.missing: " in out
    assert "=> missing" in out


def test_cli_json(
    tmp_path: Path, assignment: Assignment, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = student(
        tmp_path, "js", assignment, task1=("show_analysis = False", "show_analysis = 1")
    )
    assert main(["check", "--json", str(folder)]) == 1
    (entry,) = json.loads(capsys.readouterr().out)
    assert entry["id"] == "js" and sorted(entry["tasks"]) == ["task1", "task2"]
    (finding,) = entry["tasks"]["task1"]["findings"]
    assert finding == {
        "check": "flags.not_false",
        "severity": "violation",
        "message": finding["message"],
        "file": "task1.py",
        "line": 9,
    }
    assert entry["tasks"]["task2"]["findings"] == []


@pytest.mark.parametrize(
    "args", [["check", "does-not-exist"], ["check", "--assignment", "no-spec.toml", "."], ["check"]]
)
def test_cli_usage_errors_exit_2(args: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    try:
        code = main(args)
    except SystemExit as exc:  # argparse's own usage errors
        code = int(exc.code or 0)
    assert code == 2


def test_reference_solutions_have_no_violation(assignment: Assignment) -> None:
    solutions = [t.solution for t in assignment.tasks if t.solution.is_file()]
    if not solutions:
        pytest.skip("no reference solution yet")
    ((submission, results),) = check_paths(solutions, assignment=assignment, jobs=1)
    for task_id in submission.files:
        assert [f for f in results[task_id].findings if f.severity is Severity.VIOLATION] == []
    if len(solutions) == len(assignment.tasks):
        assert main(["check", str(solutions[0].parent)]) == 0


@pytest.mark.parametrize(
    "source",
    ["x = " + "-" * 200_000 + "1\n", "x = " + "+".join(["1"] * 300_000) + "\n"],
    ids=["memory", "recursion"],
)
def test_pathological_source_is_a_syntax_finding(
    tmp_path: Path, assignment: Assignment, source: str
) -> None:
    folder = student(tmp_path, "deep", assignment)
    (folder / "task1.py").write_text(source)
    (submission,) = discover([folder], assignment=assignment)
    results = check_submission(submission, assignment=assignment, tasks=["task1"])
    assert [f.check for f in results["task1"].findings] == ["syntax"]


def test_tasks_narrows_the_check_to_the_tasks_given(repo_root: Path) -> None:
    """A student who wrote task1 first checks it alone: no files.missing for task2."""
    task1 = repo_root / "submissions" / "s2301147_ada" / "task1.py"
    command = [sys.executable, "-m", "grader", "check", "--json", str(task1)]
    alone = subprocess.run([*command, "--tasks", "task1"], capture_output=True, text=True,
                           cwd=repo_root, check=False)
    assert alone.returncode == 0, alone.stdout + alone.stderr
    assert "task2" not in json.loads(alone.stdout)[0]["tasks"]
    both = subprocess.run(command, capture_output=True, text=True, cwd=repo_root, check=False)
    assert both.returncode == 1  # near miss: without --tasks the missing task2 is a violation
    assert "files.missing" in both.stdout
    unknown = subprocess.run([*command, "--tasks", "task9"], capture_output=True, text=True,
                             cwd=repo_root, check=False)
    assert unknown.returncode == 2 and "task9" in unknown.stderr
    assert len(unknown.stderr.strip().splitlines()) == 1
