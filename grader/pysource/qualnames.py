"""Qualified names as the static checks spell them, and what an import statement binds.

Every check lists each API once, by one canonical dotted name: Keras is one namespace
(``tf.keras``, ``tensorflow.keras``, ``tensorflow.python.keras``, ``tf.compat.v1.keras``,
``keras.src`` and ``tf_keras`` all become ``keras``), and a call's result is written with ``()``
(``keras.Sequential().save`` is a method of a model, never a module attribute).
"""

from __future__ import annotations

import ast
from typing import NamedTuple

#: prefixes rewritten to one spelling, most specific first
_CANONICAL_PREFIXES: tuple[tuple[str, str], ...] = (
    ("tensorflow.python.keras", "keras"),
    ("tensorflow.compat.v1.keras", "keras"),
    ("tensorflow.compat.v2.keras", "keras"),
    ("tensorflow.compat.v2", "tensorflow"),
    ("tensorflow.keras", "keras"),
    ("keras._tf_keras.keras", "keras"),
    ("keras.api", "keras"),
    ("keras.src", "keras"),
    ("tf_keras", "keras"),
    ("numpy.random.mtrand", "numpy.random"),
)
_CANONICAL_FIRST = frozenset(old[0] for old, _ in _CANONICAL_PREFIXES)
#: canonical() answers remembered across files (the same library names recur in every script)
_canonical_memo: dict[str, str] = {}
_MEMO_SIZE = 8192
#: what ``__name__`` is when the grader runs a task script
SCRIPT_MODULE = "__main__"
#: the script's own namespace as a dictionary: ``globals()``, ``vars()`` and ``locals()``
SCRIPT_NAMESPACES = frozenset({"builtins.globals()", "builtins.vars()", "builtins.locals()"})


def canonical(qualname: str) -> str:
    """``qualname`` with Keras (and a few other aliased namespaces) spelled one way."""
    if qualname[:1] not in _CANONICAL_FIRST:
        return qualname
    known = _canonical_memo.get(qualname)
    if known is not None:
        return known
    result = qualname
    for old, new in _CANONICAL_PREFIXES:
        if qualname.startswith(old) and (len(qualname) == len(old) or qualname[len(old)] == "."):
            result = new + qualname[len(old) :]
            break
    if len(_canonical_memo) >= _MEMO_SIZE:
        _canonical_memo.clear()
    _canonical_memo[qualname] = result
    return result


def is_instance(qualname: str | None) -> bool:
    """Whether ``qualname`` names a call's result (an object) rather than a module or its member."""
    return qualname is not None and "()" in qualname


class Imported(NamedTuple):
    """One name of an import statement."""

    module: str  # what is imported: ``a.b.c`` for ``import a.b.c``, ``a.b`` for ``from a import b``
    name: str | None  # the name it binds (``a`` for ``import a.b.c``); None for ``*``
    value: str  # what that name refers to (``a`` for ``import a.b.c``, ``a.b.c`` with ``as``)


def import_targets(node: ast.Import | ast.ImportFrom) -> list[Imported]:
    """What each alias of an import statement imports and binds; relative imports yield nothing."""
    if isinstance(node, ast.Import):
        return [
            Imported(canonical(a.name), a.asname, canonical(a.name))
            if a.asname
            else Imported(canonical(a.name), a.name.split(".")[0], a.name.split(".")[0])
            for a in node.names
        ]
    if node.level or not node.module:
        return []
    return [
        Imported(canonical(node.module), None, canonical(node.module))
        if a.name == "*"
        else Imported(
            canonical(f"{node.module}.{a.name}"),
            a.asname or a.name,
            canonical(f"{node.module}.{a.name}"),
        )
        for a in node.names
    ]
