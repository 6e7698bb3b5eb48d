"""Turn a provided ``print(...)`` call into the regex its output line must match in full.

Literal text is escaped; each formatted value becomes a number pattern that honours its format
spec (``{x:.2f}`` -> ``-?\\d+\\.\\d{2}``), so "Test error: 2.31%" matches and "Test error: 2.3%"
or "Test error: 2.31 %" do not. The run stage parses stdout with these patterns.
"""

from __future__ import annotations

import ast
import re

#: Python's format-spec mini-language:
#: [[fill]align][sign][z][#][0][width][grouping][.precision][type]
_SPEC = re.compile(
    r"^(?:(?P<fill>.)?(?P<align>[<>=^]))?(?P<sign>[-+ ])?(?P<z>z)?(?P<alt>#)?(?P<zero>0)?"
    r"(?P<width>\d+)?(?P<grouping>[,_])?(?:\.(?P<precision>\d+))?(?P<type>[bcdeEfFgGnosxX%])?$"
)
#: calls known to give an int, so a bare ``{...}`` of them prints digits only
_INT_FUNCTIONS = frozenset({"int", "len", "round"})
_INT_METHODS = frozenset({"count_params"})  # Keras: Model.count_params() -> int
_GENERAL = r"\d+(?:\.\d+)?(?:[eE][+-]?\d+)?"


def print_pattern(call: ast.Call) -> str:
    """The full-line regex of what ``call`` (a ``print(...)``) writes; ValueError if unknowable."""
    sep = " "
    for keyword in call.keywords:
        value = keyword.value
        literal = value.value if isinstance(value, ast.Constant) else ...
        if keyword.arg == "sep" and (literal is None or isinstance(literal, str)):
            sep = " " if literal is None else literal
        elif (keyword.arg == "end" and literal in (None, "\n")) or keyword.arg == "flush":
            continue
        else:
            raise ValueError(f"print(..., {keyword.arg}=...) has no fixed line format")
    if any(isinstance(arg, ast.Starred) for arg in call.args):
        raise ValueError("print(*...) has no fixed line format")
    pattern = re.escape(sep).join(_argument_pattern(arg) for arg in call.args)
    if "\n" in pattern:  # re.escape keeps a newline a newline
        raise ValueError("a provided print writes more than one line")
    return pattern


def _argument_pattern(arg: ast.expr) -> str:
    if isinstance(arg, ast.Constant):
        return re.escape(str(arg.value))
    if isinstance(arg, ast.JoinedStr):
        parts = []
        for value in arg.values:
            if isinstance(value, ast.Constant):
                parts.append(re.escape(str(value.value)))
            elif isinstance(value, ast.FormattedValue):
                parts.append(_formatted_pattern(value))
        return "".join(parts)
    return value_pattern("", is_int=_is_int(arg))


def _formatted_pattern(value: ast.FormattedValue) -> str:
    spec = ""
    if value.format_spec is not None:
        pieces = value.format_spec.values if isinstance(value.format_spec, ast.JoinedStr) else []
        if not all(isinstance(p, ast.Constant) for p in pieces):
            raise ValueError("a format spec computed at run time has no fixed format")
        spec = "".join(str(p.value) for p in pieces if isinstance(p, ast.Constant))
    return value_pattern(spec, is_int=_is_int(value.value))


def _is_int(node: ast.expr) -> bool:
    """Whether ``node`` certainly evaluates to an int (a literal or a call known to give one)."""
    if isinstance(node, ast.Constant):
        return isinstance(node.value, int) and not isinstance(node.value, bool)
    if isinstance(node, ast.Call):
        func = node.func
        if isinstance(func, ast.Name):
            return func.id in _INT_FUNCTIONS and not (func.id == "round" and len(node.args) > 1)
        if isinstance(func, ast.Attribute):
            return func.attr in _INT_METHODS
    return False


def value_pattern(spec: str, *, is_int: bool) -> str:
    """The regex of a number formatted with ``spec`` (``.2f``, ``,``, ``+.1%`` ...)."""
    parsed = _SPEC.match(spec)
    if parsed is None:
        raise ValueError(f"unknown format spec {spec!r}")
    kind = parsed["type"]
    if kind in tuple("bcosxX"):
        raise ValueError(f"format type {kind!r} does not print a decimal number")
    sign = {"+": "[+-]", " ": "[ -]"}.get(parsed["sign"] or "", "-?")
    grouping = parsed["grouping"]
    digits = rf"\d{{1,3}}(?:{re.escape(grouping)}\d{{3}})*" if grouping else r"\d+"
    precision = parsed["precision"]
    if kind in ("f", "F", "%"):
        places = int(precision) if precision is not None else 6
        fraction = rf"\.\d{{{places}}}" if places else ("\\." if parsed["alt"] else "")
        number = digits + fraction + ("%" if kind == "%" else "")
    elif kind in ("e", "E"):
        places = int(precision) if precision is not None else 6
        number = r"\d" + (rf"\.\d{{{places}}}" if places else "") + r"[eE][+-]\d{2,}"
    elif kind == "d" or (kind is None and precision is None and is_int):
        number = digits
    else:  # g, G, n, or no type: whatever repr() or general formatting gives
        number = _GENERAL
    pattern = sign + number
    if parsed["width"]:
        pad = re.escape(parsed["fill"] or " ")
        pattern = f"(?:{pad})*{pattern}(?:{pad})*"
    return pattern
