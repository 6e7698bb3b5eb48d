"""The provided-original parser: regions, test names, dataset name, flags, output patterns."""

from __future__ import annotations

import ast
import re

import pytest

from grader.original.output_patterns import value_pattern
from grader.original.parse import OriginalError, parse_original, parse_original_text
from grader.spec import Assignment

SMALL = """\
verbose = False
plot = False
seed_note = "no seeds"

# ==== PROVIDED: load ====
import numpy as np
with open("digits.csv") as handle:
    table = np.loadtxt(handle)
perm = np.random.permutation(len(table))
fit_rows, held_rows = table[perm[:900]], table[perm[900:]]
cutoff = 0.5
# ==== END PROVIDED ====

# ==== YOUR CODE: model ====
model = None
# ==== END YOUR CODE ====

# ==== PROVIDED: report (do not change) ====
wrong = np.mean(model.predict(held_rows[:, :-1]) != held_rows[:, -1]) > cutoff
print("Wrong:", wrong, sep=" ")
print(f"Error {100 * wrong:+.1f} % of {len(held_rows):,} rows")
if plot:
    print("a figure")
# ==== END PROVIDED ====
"""


def test_regions_of_the_real_originals(assignment: Assignment) -> None:
    for task in assignment.tasks:
        original = parse_original(task)
        kinds = [r.kind for r in original.regions]
        assert kinds == ["provided", "student", "student", "student", "provided"]
        lines = original.text.splitlines()
        for region in original.regions:  # the lines just outside each region are its markers
            assert "====" in lines[region.start - 2] and "END" in lines[region.end]
        assert original.regions[0].title == "start the timer, load and split the data"
        assert original.provided[-1].title == "test error, output and sensitivity analysis"


def test_facts_of_the_real_originals(assignment: Assignment) -> None:
    for task in assignment.tasks:
        original = parse_original(task)
        assert original.test_names == {"test_x", "test_y"}
        assert original.dataset_name == assignment.dataset.name
        assert original.flags == ("full_output", "show_analysis")
        assert parse_original(task) is original  # parsed once per path


@pytest.mark.parametrize(
    "line, index",
    [
        ("Test error: 2.31%", 0),
        ("Test error: 0.00%", 0),
        ("Test error: 100.00%", 0),
        ("Model size: 123456", 1),
        ("Duration: 45.3s", 2),
        ("Duration: 0.0s", 2),
    ],
)
def test_patterns_match_real_outputs(assignment: Assignment, line: str, index: int) -> None:
    patterns = parse_original(assignment.task("task1")).output_patterns
    assert len(patterns) == 3
    assert [bool(re.fullmatch(p, line)) for p in patterns] == [i == index for i in range(3)]


@pytest.mark.parametrize(
    "line",
    [
        "Test error: 2.3%",
        "Test error: 2.31 %",
        "Test error: 2.31%!",
        "test error: 2.31%",
        "Model size: 12.5",
        "Model size: 1,000",
        "Duration: 45s",
        "Duration: 45.30s",
        "",
    ],
)
def test_patterns_reject_near_misses(assignment: Assignment, line: str) -> None:
    patterns = parse_original(assignment.task("task1")).output_patterns
    assert not any(re.fullmatch(p, line) for p in patterns)


def test_names_come_from_data_flow_not_from_spelling() -> None:
    original = parse_original_text(SMALL, task="small", path="small.py")
    # held_rows is what the report reads; fit_rows is handed to the student; cutoff is read by
    # the report but is not data; perm is data but never read by the report
    assert original.test_names == {"held_rows"}
    assert original.dataset_name == "digits.csv"
    assert original.flags == ("verbose", "plot")
    assert [r.title for r in original.regions] == ["load", "model", "report"]


def test_patterns_from_other_print_forms() -> None:
    patterns = parse_original_text(SMALL, task="small", path="small.py").output_patterns
    assert len(patterns) == 2  # the print under `if plot:` is not part of every run's output
    assert re.fullmatch(patterns[0], "Wrong: 1") and re.fullmatch(patterns[0], "Wrong: 0.25")
    assert re.fullmatch(patterns[1], "Error +2.5 % of 1,000 rows")
    assert not re.fullmatch(patterns[1], "Error 2.5 % of 1000 rows")


@pytest.mark.parametrize(
    "spec, is_int, good, bad",
    [
        (".2f", False, "-1.25", "1.2"),
        (".0f", False, "3", "3.0"),
        ("", True, "42", "42.0"),
        ("", False, "42.5", "42.5.1"),
        ("d", False, "7", "7.0"),
        (",", True, "1,234,567", "1234,567"),
        (".1%", False, "12.5%", "12.5"),
        (".2e", False, "1.25e-03", "1.25"),
        ("8.2f", False, "    3.14", "3.14159"),
    ],
)
def test_value_patterns(spec: str, is_int: bool, good: str, bad: str) -> None:
    pattern = value_pattern(spec, is_int=is_int)
    assert re.fullmatch(pattern, good) and not re.fullmatch(pattern, bad)


def test_value_pattern_refuses_non_numbers() -> None:
    with pytest.raises(ValueError):
        value_pattern("x", is_int=True)


@pytest.mark.parametrize(
    "broken, reason",
    [
        (SMALL.replace("# ==== END YOUR CODE ====\n", ""), "opens before"),
        (SMALL[: SMALL.rindex("# ==== END PROVIDED")], "never closed"),
        (SMALL.replace('open("digits.csv")', "open(name)"), "opens no file"),
        (
            SMALL.replace("held_rows[:, :-1]) != held_rows[:, -1]", "0) != 1").replace(
                "len(held_rows)", "9"
            ),
            "cannot tell the test set",
        ),
        (SMALL.replace("print(", "log("), "print nothing"),
        (
            SMALL.replace('print("Wrong:", wrong, sep=" ")', 'print("Wrong:", wrong, file=out)'),
            "no fixed",
        ),
    ],
)
def test_broken_conventions_are_reported(broken: str, reason: str) -> None:
    ast.parse(broken)
    with pytest.raises(OriginalError, match=reason):
        parse_original_text(broken, task="small", path="small.py")
