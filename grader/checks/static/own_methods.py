"""Calls of the script's own methods that share a library method's name.

``sandbox.file`` reports ``x.save(path)`` on any receiver, because a model may reach it in ways
the resolver cannot trace. But a callback that keeps its history in its own ``save()`` method is
not writing a file: ``self.save(logs["loss"])`` inside that class, or ``history.save(...)`` on an
instance made from it (``history = History()``), calls the script's method. This module tells
those calls apart:

- **own**: ``self.m(...)`` (the method's first parameter) inside a class of the script that
  defines ``m`` or inherits it from another class of the script, or ``obj.m(...)`` where ``obj``
  is bound once to an instance of such a class;
- **unknown**: the script defines a method ``m`` somewhere, but this receiver cannot be traced
  (it may be the script's object or a library's): the check warns instead of accusing;
- anything else is the library's method, as before.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass

from grader.pysource.scan import Scan

_FUNCTIONS = (ast.FunctionDef, ast.AsyncFunctionDef)


@dataclass(frozen=True)
class OwnMethods:
    calls: frozenset[int]  # ids of the calls that surely reach the script's own method
    names: frozenset[str]  # the watched method names that some class of the script defines


def own_methods(scan: Scan, watched: frozenset[str]) -> OwnMethods:
    """Which calls of the ``watched`` method names reach methods the script defines."""
    classes = {c.name: c for c in scan.classes}
    defined = {
        name: {f.name for f in c.body if isinstance(f, _FUNCTIONS)} & watched
        for name, c in classes.items()
    }
    if not any(defined.values()):
        return OwnMethods(frozenset(), frozenset())
    methods = {name: _with_bases(name, classes, defined) for name in classes}
    calls: set[int] = set()
    for name, cls in classes.items():
        if methods[name]:
            calls |= _self_calls(cls, methods[name])
    for site in scan.calls:  # history = History(); history.save(...)
        func = site.node.func
        if site.method and isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name):
            made = scan.resolver.single.get(func.value.id)
            if (
                isinstance(made, ast.Call)
                and isinstance(made.func, ast.Name)
                and site.method in methods.get(made.func.id, ())
            ):
                calls.add(id(site.node))
    return OwnMethods(frozenset(calls), frozenset().union(*defined.values()))


def _with_bases(
    name: str, classes: dict[str, ast.ClassDef], defined: dict[str, set[str]]
) -> frozenset[str]:
    """The watched methods class ``name`` defines or inherits from the script's classes."""
    found: set[str] = set()
    pending, seen = [name], set()
    while pending:
        current = pending.pop()
        if current in seen or current not in classes:
            continue
        seen.add(current)
        found |= defined[current]
        pending += [b.id for b in classes[current].bases if isinstance(b, ast.Name)]
    return frozenset(found)


def _self_calls(cls: ast.ClassDef, methods: frozenset[str]) -> set[int]:
    """``self.m(...)`` in the class's methods, for each ``m`` in ``methods``."""
    calls: set[int] = set()
    for function in cls.body:
        if not isinstance(function, _FUNCTIONS) or not function.args.args:
            continue
        receiver = function.args.args[0].arg
        for node in ast.walk(function):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr in methods
                and isinstance(node.func.value, ast.Name)
                and node.func.value.id == receiver
            ):
                calls.add(id(node))
    return calls
