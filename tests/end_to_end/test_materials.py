"""The assignment's materials: the dataset, the provided originals and the reference solutions.

These tests pin what students receive and what the grader is calibrated against: a dataset that
matches its published checksum, originals that fail politely until they are completed, and
solutions that differ from the originals only where students may write and that really work.
"""

from __future__ import annotations

import ast
import hashlib
import os
import re
import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from grader.spec import Assignment, TaskSpec

TASK_IDS = ("task1", "task2")
DATASET_LINE = re.compile(rb"[01]{784} [0-9]")
#: the three lines the provided code prints, in its own format
OUTPUT_LINES = (
    re.compile(r"Test error: (\d+\.\d\d)%"),
    re.compile(r"Model size: (\d+)"),
    re.compile(r"Duration: (\d+\.\d)s"),
)
STUDENT_START = "# ==== YOUR CODE"
REGION_END = "# ==== END"


def split_student_regions(text: str) -> tuple[list[str], list[str]]:
    """Split a script into the lines outside the student regions and the regions' own texts.

    Marker lines count as outside, so a moved, renamed or deleted marker shows up as a change.
    """
    outside: list[str] = []
    regions: list[str] = []
    current: list[str] | None = None
    for line in text.splitlines():
        if current is not None and line.startswith(REGION_END):
            regions.append("\n".join(current))
            current = None
        if current is None:
            outside.append(line)
        else:
            current.append(line)
        if current is None and line.startswith(STUDENT_START):
            current = []
    assert current is None, "a YOUR CODE region is not closed"
    return outside, regions


def run_script(
    script: Path, *, file_name: str, dataset: Path, folder: Path, timeout_s: float
) -> subprocess.CompletedProcess[str]:
    """Run a task script the way students do: ``python taskN.py`` beside a copy of the dataset."""
    shutil.copyfile(script, folder / file_name)
    shutil.copyfile(dataset, folder / dataset.name)
    env = {**os.environ, "CUDA_VISIBLE_DEVICES": "", "MPLBACKEND": "Agg"}
    return subprocess.run(
        [sys.executable, file_name],
        cwd=folder,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout_s,
        check=False,
    )


def module_constants(text: str) -> dict[str, object]:
    """Top-level ``name = literal`` assignments of a script."""
    constants: dict[str, object] = {}
    for node in ast.parse(text).body:
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant):
            for target in node.targets:
                if isinstance(target, ast.Name):
                    constants[target.id] = node.value.value
    return constants


# ------------------------------------------------------------------------------------- dataset


def test_dataset_is_well_formed_balanced_and_matches_its_checksum(assignment: Assignment) -> None:
    content = assignment.dataset.read_bytes()
    assert hashlib.sha256(content).hexdigest() == assignment.dataset_sha256
    assert content.endswith(b"\n")
    lines = content[:-1].split(b"\n")
    assert len(lines) == 5000
    malformed = [n for n, line in enumerate(lines, 1) if not DATASET_LINE.fullmatch(line)]
    assert malformed == []
    counts = Counter(line[-1:].decode() for line in lines)
    assert counts == {str(digit): 500 for digit in range(10)}


# ----------------------------------------------------------------------------------- originals


@pytest.mark.parametrize("task_id", TASK_IDS)
def test_original_parses_with_markers_and_flags_false(assignment: Assignment, task_id: str) -> None:
    text = assignment.task(task_id).original.read_text(encoding="utf-8")
    constants = module_constants(text)
    assert constants["full_output"] is False
    assert constants["show_analysis"] is False
    starts = [line for line in text.splitlines() if line.startswith("# ==== ")]
    assert sum(line.startswith("# ==== PROVIDED") for line in starts) == 2
    assert sum(line.startswith(STUDENT_START) for line in starts) == 3
    assert sum(line.startswith(REGION_END) for line in starts) == 5
    _, regions = split_student_regions(text)
    assert len(regions) == 3


@pytest.mark.tensorflow
@pytest.mark.parametrize("task_id", TASK_IDS)
def test_original_as_handed_out_stops_with_one_clear_sentence(
    assignment: Assignment, task_id: str, tmp_path: Path
) -> None:
    task = assignment.task(task_id)
    result = run_script(
        task.original,
        file_name=task.file,
        dataset=assignment.dataset,
        folder=tmp_path,
        timeout_s=300,
    )
    assert result.returncode != 0
    assert result.stdout == ""
    message = result.stderr.strip()
    assert "\n" not in message and "Traceback" not in message
    assert re.fullmatch(r"[A-Za-z0-9_.]+ is not finished: [^.]+\.", message), message
    assert message.startswith(task.file)


# ----------------------------------------------------------------------------------- solutions


def _original_and_solution(task: TaskSpec) -> tuple[str, str]:
    return task.original.read_text(encoding="utf-8"), task.solution.read_text(encoding="utf-8")


@pytest.mark.parametrize("task_id", TASK_IDS)
def test_solution_changes_only_the_student_regions(assignment: Assignment, task_id: str) -> None:
    original, solution = _original_and_solution(assignment.task(task_id))
    original_outside, original_regions = split_student_regions(original)
    solution_outside, solution_regions = split_student_regions(solution)
    assert solution_outside == original_outside
    assert len(solution_regions) == len(original_regions) == 3
    pairs = zip(original_regions, solution_regions, strict=True)
    unfilled = [n for n, (a, b) in enumerate(pairs) if a == b]
    assert unfilled == [], "every YOUR CODE region is filled in"


def test_region_comparison_notices_a_changed_provided_line(assignment: Assignment) -> None:
    """Guards the test above: an edit outside the regions must show, one inside must not."""
    original = assignment.task("task1").original.read_text(encoding="utf-8")
    provided_edit = original.replace("order[:4000]", "order[:4500]", 1)
    student_edit = original.replace("    return batch\n", "    return 2 * batch - 1\n", 1)
    assert provided_edit != original and student_edit != original
    outside = split_student_regions(original)[0]
    assert split_student_regions(provided_edit)[0] != outside
    assert split_student_regions(student_edit)[0] == outside


@pytest.mark.parametrize("task_id", TASK_IDS)
def test_solution_regions_set_no_seed_and_leave_the_test_set_alone(
    assignment: Assignment, task_id: str
) -> None:
    _, solution = _original_and_solution(assignment.task(task_id))
    code = "\n".join(split_student_regions(solution)[1])
    identifiers = {node.id for node in ast.walk(ast.parse(code)) if isinstance(node, ast.Name)}
    keywords = {node.arg for node in ast.walk(ast.parse(code)) if isinstance(node, ast.keyword)}
    assert not identifiers & {"test_x", "test_y"}
    assert "seed" not in keywords
    assert not re.search(r"set_seed|random\.seed|default_rng\(", code)


@pytest.mark.tensorflow
@pytest.mark.parametrize("task_id", TASK_IDS)
def test_solution_trains_a_small_accurate_model(
    assignment: Assignment, task_id: str, tmp_path: Path
) -> None:
    task = assignment.task(task_id)
    result = run_script(
        task.solution,
        file_name=task.file,
        dataset=assignment.dataset,
        folder=tmp_path,
        timeout_s=assignment.limits.hard_timeout_s,
    )
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    lines = result.stdout.splitlines()
    assert len(lines) == len(OUTPUT_LINES), result.stdout
    matches = [pattern.fullmatch(line) for pattern, line in zip(OUTPUT_LINES, lines, strict=True)]
    assert all(matches), result.stdout
    error, size = matches[0], matches[1]
    assert error is not None and size is not None
    error_pct, model_size = float(error.group(1)), int(size.group(1))
    assert error_pct < task.high_performance_error_pct
    assert 0 < model_size <= task.max_params


# -------------------------------------------------------------------------- the benchmark table

#: the targets of the reference solutions: mean error %, parameters, mean whole-script wall time s
TARGETS = {"task1": (1.8, 50_000, 45.0), "task2": (2.5, 50_000, 60.0)}
BENCH_ROW = re.compile(
    r"^\| (task\d) \| (\d+) \| ([\d.]+) ± [\d.]+ \| ([\d,]+) \| ([\d.]+) ± [\d.]+ \|", re.MULTILINE
)


def test_the_published_benchmark_meets_the_targets(repo_root: Path) -> None:
    """``reference/README.md``'s table (5 fresh runs each) is within every target."""
    readme = (repo_root / "reference" / "README.md").read_text()
    table = {m[1]: m for m in BENCH_ROW.finditer(readme)}
    assert sorted(table) == sorted(TARGETS)
    for task_id, (max_error, max_params, max_wall) in TARGETS.items():
        row = table[task_id]
        assert int(row[2]) >= 5, f"{task_id}: fewer than 5 runs"
        assert float(row[3]) <= max_error, f"{task_id}: mean error {row[3]} %"
        assert int(row[4].replace(",", "")) <= max_params, f"{task_id}: {row[4]} parameters"
        assert float(row[5]) <= max_wall, f"{task_id}: mean wall time {row[5]} s"
