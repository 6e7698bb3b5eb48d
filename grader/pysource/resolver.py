"""What a dotted expression in a student's script refers to, through imports and aliases.

Static checks ask "is this a call of ``numpy.random.seed``?" about code that may spell it
``np.random.seed``, ``s`` (``from numpy.random import seed as s``), ``r.seed`` (``r = np.random``)
or ``getattr(np.random, "se" + "ed")``. A :class:`Resolver` answers with one canonical qualified
name, so every check lists each API once:

- imports bind names to modules or module members (``import a.b as c``, ``from a import b``,
  ``from a import *``); relative imports name nothing outside the script and are ignored;
- simple re-binding propagates: ``r = np.random``, ``f = np.random.seed``, ``a, b = x, y``,
  ``with m() as v``, ``(v := x)``; an import of a name wins over an assignment to it, and of
  several assignments the first (in source order) that resolves;
- a call's result is written with ``()``: ``keras.Sequential()`` is a model instance, so
  ``model.save`` on it resolves to ``keras.Sequential().save`` and never to a module attribute;
- ``getattr(x, <constant string>)``, ``__import__("m")``, ``importlib.import_module("m")``,
  ``sys.modules["m"]``, ``x.__dict__["k"]`` and ``vars(x)["k"]`` resolve like the plain forms;
  ``globals()["k"]`` (or ``vars()``, ``locals()``) is ``__main__.k``, the script's own ``k``;
- names the script never binds resolve to ``builtins.<name>`` when Python has such a builtin;
- Keras is one namespace: ``tf.keras``, ``tensorflow.keras``, ``tensorflow.python.keras``,
  ``tf.compat.v1.keras``, ``keras.src`` and ``tf_keras`` all become ``keras``.

The spelling of qualified names and what an import binds are
:mod:`grader.pysource.qualnames`; the values
of constant expressions (``"se" + "ed"``, ``SEED = 42``) are :mod:`grader.pysource.literals`.

Resolution is flow-insensitive (one pass over the whole module, every scope): a parameter that
happens to share an imported module's name resolves to that module. For checks that look for
forbidden APIs that over-approximation is the safe side.
"""

from __future__ import annotations

import ast
import builtins
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import ClassVar

from grader.pysource.fixed import FixedValues, Material
from grader.pysource.literals import constant_string, is_constant, is_none, single_constants
from grader.pysource.qualnames import (
    SCRIPT_MODULE,
    SCRIPT_NAMESPACES,
    canonical,
    import_targets,
    is_instance,
)

_BUILTINS = frozenset(dir(builtins))
_DEFINITIONS = (ast.arg, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.ExceptHandler)


@dataclass
class Resolver:
    """Import and alias bindings of one module, and resolution of expressions through them."""

    aliases: dict[str, str]  # name -> canonical qualified name
    alias_nodes: dict[str, ast.expr]  # name -> the expression an alias was assigned from
    alias_values: frozenset[int]  # ids of those expressions (an alias definition, not a use)
    stars: tuple[str, ...]  # star-imported modules, in source order
    bound: frozenset[str]  # every name the module binds in any scope
    constants: dict[str, ast.expr]  # names bound exactly once (in any scope) to a constant
    #: names bound exactly once (in any scope), by a plain assignment, to whatever expression:
    #: what ``**options`` unpacks when ``options = {...}`` is written once
    single: dict[str, ast.expr] = field(default_factory=dict)
    #: attribute names assigned anywhere (``x.NAME = ...``); a scan fills it in
    stored_attributes: frozenset[str] = frozenset()
    #: what :class:`grader.pysource.fixed.FixedValues` is built from, on the first question
    _material: Material | None = field(default=None, repr=False)
    _memo: dict[int, str | None] = field(default_factory=dict, repr=False)
    _fixed: FixedValues | None = field(default=None, repr=False)

    #: the node types :meth:`from_nodes` reads; a caller that has grouped a tree's nodes by type
    #: may pass just these
    # fmt: off
    NODE_TYPES: ClassVar[tuple[type[ast.AST], ...]] = (
        ast.Name, ast.Assign, ast.NamedExpr, ast.AnnAssign, ast.withitem, ast.Import,
        ast.ImportFrom, ast.arg, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef,
        ast.ExceptHandler, ast.Global, ast.Nonlocal, ast.AugAssign, ast.arguments,
    )
    # fmt: on

    @classmethod
    def from_tree(cls, tree: ast.Module) -> Resolver:
        return cls.from_nodes(ast.walk(tree))

    @classmethod
    def from_nodes(cls, nodes: Iterable[ast.AST]) -> Resolver:
        """Build from the nodes of a module, in any order (a scan walks the tree only once).

        Every node of the module may be passed, or only those of :attr:`NODE_TYPES`.
        """
        imports: list[ast.Import | ast.ImportFrom] = []
        candidates: list[tuple[str, ast.expr]] = []
        assignments: list[tuple[str, ast.expr]] = []
        valued: list[tuple[str, ast.expr]] = []  # every binding that has a value expression
        counts: dict[str, int] = {}
        declared: dict[str, int] = {}  # global / nonlocal statements per name
        classes: list[ast.ClassDef] = []
        functions: list[ast.FunctionDef] = []
        arguments: list[ast.arguments] = []
        for node in nodes:
            if isinstance(node, ast.Name):
                if not isinstance(node.ctx, ast.Load):
                    counts[node.id] = counts.get(node.id, 0) + 1
            elif isinstance(node, ast.Assign):
                for target in node.targets:
                    pairs = _pairs(target, node.value)
                    candidates += pairs
                    valued += pairs
                if len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
                    assignments.append((node.targets[0].id, node.value))
            elif isinstance(node, ast.NamedExpr | ast.AnnAssign) and node.value is not None:
                pairs = _pairs(node.target, node.value)
                candidates += pairs
                valued += pairs
                if isinstance(node.target, ast.Name):
                    assignments.append((node.target.id, node.value))
            elif isinstance(node, ast.AugAssign):
                if isinstance(node.target, ast.Name):  # x += 1 keeps a fixed x fixed
                    valued.append((node.target.id, node.value))
            elif isinstance(node, ast.arguments):
                arguments.append(node)
            elif isinstance(node, ast.withitem) and node.optional_vars is not None:
                candidates += _pairs(node.optional_vars, node.context_expr)
            elif isinstance(node, ast.Import | ast.ImportFrom):
                imports.append(node)
            elif isinstance(node, _DEFINITIONS):  # a parameter, def, class or ``except ... as``
                name = node.arg if isinstance(node, ast.arg) else node.name
                if name:
                    counts[name] = counts.get(name, 0) + 1
                if isinstance(node, ast.ClassDef):
                    classes.append(node)
                elif isinstance(node, ast.FunctionDef):
                    functions.append(node)
            elif isinstance(node, ast.Global | ast.Nonlocal):
                for name in node.names:  # a second scope writes the name: never a constant
                    declared[name] = declared.get(name, 0) + 1
        aliases: dict[str, str] = {}
        stars: list[str] = []
        for node in sorted(imports, key=lambda n: (n.lineno, n.col_offset)):
            for imported in import_targets(node):
                if imported.name is None:
                    stars.append(imported.module)
                else:
                    counts[imported.name] = counts.get(imported.name, 0) + 1
                    aliases.setdefault(imported.name, imported.value)
        material = Material(valued, arguments, dict(counts), classes, functions)
        for name, times in declared.items():
            counts[name] = counts.get(name, 0) + 2 * times
        resolver = cls(
            aliases=aliases,
            alias_nodes={},
            alias_values=frozenset(),
            stars=tuple(stars),
            bound=frozenset(counts),
            constants=single_constants(assignments, counts),
            single={name: value for name, value in assignments if counts.get(name) == 1},
            _material=material,
        )
        candidates.sort(key=lambda pair: (pair[1].lineno, pair[1].col_offset))
        resolver._bind_aliases(candidates)
        return resolver

    def _bind_aliases(self, candidates: list[tuple[str, ast.expr]]) -> None:
        """Resolve ``name = expression`` pairs to a fixpoint (aliases of aliases)."""
        pending = [(n, v) for n, v in candidates if n not in self.aliases]
        values: set[int] = set()
        changed = True
        while changed and pending:
            changed = False
            self._memo.clear()
            still: list[tuple[str, ast.expr]] = []
            for name, value in pending:
                if name in self.aliases:
                    continue
                qualname = self.resolve(value)
                if qualname is None:
                    still.append((name, value))
                    continue
                self.aliases[name] = qualname
                self.alias_nodes[name] = value
                values.add(id(value))
                changed = True
            pending = still
        self.alias_values = frozenset(values)
        self._memo.clear()

    # ------------------------------------------------------------------------------- resolution

    def resolve(self, node: ast.AST) -> str | None:
        """The canonical qualified name ``node`` refers to, or None when it is not traceable."""
        kind = node.__class__
        if kind is ast.Name:
            return self.resolve_name(node.id)  # type: ignore[attr-defined]
        key = id(node)
        memo = self._memo
        if key in memo:
            return memo[key]
        result: str | None = None
        if kind is ast.Attribute:
            base = self.resolve(node.value)  # type: ignore[attr-defined]
            result = canonical(f"{base}.{node.attr}") if base else None  # type: ignore[attr-defined]
        elif kind is ast.Call:
            result = self._resolve_call(node)  # type: ignore[arg-type]
        elif kind is ast.Subscript:
            result = self._resolve_subscript(node)  # type: ignore[arg-type]
        memo[key] = result
        return result

    def resolve_name(self, name: str) -> str | None:
        if name in self.aliases:
            return self.aliases[name]
        if name == "__builtins__":
            return "builtins"
        if name in self.bound:
            return None
        if name in _BUILTINS:
            return f"builtins.{name}"
        if self.stars:  # the last star import binds it, as Python would
            return canonical(f"{self.stars[-1]}.{name}")
        return None

    def _resolve_call(self, node: ast.Call) -> str | None:
        func = self.resolve(node.func)
        if func is None:
            return None
        args = node.args
        if func == "builtins.getattr" and len(args) >= 2:
            base, attr = self.resolve(args[0]), self.string(args[1])
            return canonical(f"{base}.{attr}") if base and attr else None
        if func == "builtins.__import__" and args:
            module = self.string(args[0])
            if module is None:
                return None
            fromlist = args[3] if len(args) > 3 else _keyword(node, "fromlist")
            wants_leaf = fromlist is not None and not (
                isinstance(fromlist, ast.Constant) and not fromlist.value
            )
            return canonical(module if wants_leaf else module.split(".")[0])
        if func == "importlib.import_module" and args:
            module = self.string(args[0])
            return canonical(module) if module and not module.startswith(".") else None
        return f"{func}()"

    def _resolve_subscript(self, node: ast.Subscript) -> str | None:
        value = node.value
        if isinstance(value, ast.Attribute) and value.attr == "__dict__":
            base = self.resolve(value.value)
        elif (
            isinstance(value, ast.Call)
            and len(value.args) == 1
            and (self.resolve(value.func) == "builtins.vars")
        ):
            base = self.resolve(value.args[0])
        elif self.resolve(value) in SCRIPT_NAMESPACES:
            base = SCRIPT_MODULE
        elif self.resolve(value) == "sys.modules":
            if isinstance(node.slice, ast.Name) and node.slice.id == "__name__":
                return SCRIPT_MODULE
            module = self.string(node.slice)
            return canonical(module) if module else None
        else:
            return None
        key = self.string(node.slice)
        return canonical(f"{base}.{key}") if base and key and not is_instance(base) else None

    def base_of(self, node: ast.AST) -> str | None:
        """What a reference was reached from: the qualified name of the object it is taken from.

        ``os.system`` is reached from ``os``; ``getattr(os, "system")`` too; a name bound by an
        import or alias from its own binding (so equal to its qualified name); a star-imported
        name from the star module; builtins and dynamic imports from nothing (None).
        """
        if isinstance(node, ast.Attribute):
            return self.resolve(node.value)
        if isinstance(node, ast.Name):
            if node.id in self.aliases:
                return self.aliases[node.id]
            qualname = self.resolve(node)
            if qualname and not qualname.startswith("builtins.") and self.stars:
                return self.stars[-1]
            return None
        if isinstance(node, ast.Call):
            if self.resolve(node.func) == "builtins.getattr" and node.args:
                return self.resolve(node.args[0])
            return None
        if isinstance(node, ast.Subscript):
            value = node.value
            if isinstance(value, ast.Attribute) and value.attr == "__dict__":
                return self.resolve(value.value)
            if isinstance(value, ast.Call) and value.args:
                return self.resolve(value.args[0])
            return self.resolve(value)
        return None

    # -------------------------------------------------------------------------------- constants

    def string(self, node: ast.AST) -> str | None:
        """The value of a string written as a constant expression (``"se" + "ed"``, ``NAME``)."""
        return constant_string(node, self.constants)

    def is_constant(self, node: ast.AST) -> bool:
        """Whether ``node`` is fixed when the script is written, the same in every run: literals
        and what is computed from them alone (see :mod:`grader.pysource.fixed`)."""
        if is_constant(node, self.constants):
            return True
        if self._fixed is None:  # built on the first question: most scripts never ask one
            material = self._material or Material([], [], {}, [], [])
            self._fixed = FixedValues.build(material, self.resolve, self.stored_attributes)
        return self._fixed.is_fixed(node)

    def is_none(self, node: ast.AST) -> bool:
        if isinstance(node, ast.IfExp):  # None whichever branch runs
            return self.is_none(node.body) and self.is_none(node.orelse)
        return is_none(node, self.constants)


def _keyword(call: ast.Call, name: str) -> ast.expr | None:
    return next((k.value for k in call.keywords if k.arg == name), None)


def _pairs(target: ast.AST, value: ast.expr) -> list[tuple[str, ast.expr]]:
    """``(name, expression)`` for a simple binding; tuples bind element by element."""
    if isinstance(target, ast.Name):
        return [(target.id, value)]
    if (
        isinstance(target, ast.Tuple | ast.List)
        and isinstance(value, ast.Tuple | ast.List)
        and len(target.elts) == len(value.elts)
    ):
        return [pair for t, v in zip(target.elts, value.elts, strict=True) for pair in _pairs(t, v)]
    return []
