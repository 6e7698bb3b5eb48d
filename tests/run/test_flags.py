"""Forcing the provided flags rewrites those assignments only."""

from __future__ import annotations

import ast

import pytest

from grader.run.flags import force_flags

OFF = {"full_output": False, "show_analysis": False}


def test_rewrites_only_the_flag_values() -> None:
    text = "full_output = True  # progress\nshow_analysis = 1\nx = True\n"
    assert (
        force_flags(text, OFF)
        == "full_output = False  # progress\nshow_analysis = False\nx = True\n"
    )


def test_can_switch_the_analysis_on() -> None:
    out = force_flags(
        "full_output = False\nshow_analysis = False\n",
        {"full_output": False, "show_analysis": True},
    )
    assert out == "full_output = False\nshow_analysis = True\n"


def test_keeps_line_numbers_when_a_value_spans_lines() -> None:
    text = "show_analysis = (1 ==\n    1)\nmarker = 3\n"
    out = force_flags(text, OFF)
    assert out.count("\n") == text.count("\n")
    namespace: dict[str, object] = {}
    exec(compile(out, "t.py", "exec"), namespace)  # noqa: S102 (our own rewrite of a literal)
    assert namespace["show_analysis"] is False
    assert [n.lineno for n in ast.parse(out).body] == [1, 3]


def test_leaves_nested_assignments_and_other_names_alone() -> None:
    text = "def f():\n    full_output = True\nfull_outputs = True\n"
    assert force_flags(text, OFF) == text


def test_non_ascii_text_before_the_flag() -> None:
    text = "x = 'é'; full_output = not False\n"
    assert force_flags(text, OFF) == "x = 'é'; full_output = False\n"


def test_a_script_that_does_not_parse_is_left_unchanged() -> None:
    assert force_flags("full_output = (\n", OFF) == "full_output = (\n"


#: characters ``str.splitlines()`` breaks at and Python does not (it counts only \r\n, \r, \n)
ODD_BREAKS = ["\x0b", "\x0c", "\x1c", "\x85", "\u2028", "\u2029"]


@pytest.mark.parametrize("odd", ODD_BREAKS, ids=[f"U+{ord(c):04X}" for c in ODD_BREAKS])
def test_line_breaks_python_does_not_count_change_nothing(odd: str) -> None:
    text = (
        f'"""A docstring {odd} with an odd break."""\n'
        f"# header {odd} note\n"
        "full_output = True\n"
        f"x = '{odd}'; show_analysis = 1  # {odd}\n"
        "y = 2\n"
    )
    out = force_flags(text, OFF)
    assert out == text.replace("full_output = True", "full_output = False").replace(
        "show_analysis = 1", "show_analysis = False"
    )
    namespace: dict[str, object] = {}
    exec(compile(out, "t.py", "exec"), namespace)  # noqa: S102 (our own rewrite of a literal)
    assert (namespace["full_output"], namespace["show_analysis"], namespace["y"]) == (
        False,
        False,
        2,
    )


def test_old_mac_line_ends() -> None:
    text = "# header\rfull_output = True\rshow_analysis = False\r"
    assert force_flags(text, OFF) == text.replace("True", "False")
