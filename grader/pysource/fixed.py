"""Values fixed when the script is written: the same in every run, however they are spelled.

A seed is a seed whether it is written ``42``, ``len("seed")``, ``int("5")``, ``abs(1337)``,
``6 * 7``, ``42 if full_output else 7``, a class attribute (``Config.SEED``, ``self.SEED``), a
parameter's default (``def build(s=1337)``), a name bound twice to constants, or an environment
variable (the grader gives every run the same environment). This module answers "is this
expression the same in every run?" from the expression alone, for what the ``seed`` check asks:

- literals, and operators, comparisons, conditional expressions, containers, subscripts,
  f-strings and walrus assignments of fixed values;
- names every binding of which (in any scope: assignments, augmented assignments, tuple
  unpacking, parameter defaults) is fixed;
- calls of pure functions with fixed arguments (builtins such as ``len``/``int``/``ord``,
  ``math``, ``operator``, ``hashlib``, NumPy, TensorFlow and ``keras.ops``, but never their random
  modules or clocks), methods of fixed values (``"seed".encode()``), a ``lambda`` or a one-line
  function of the script (``def s(): return 7``) called with fixed arguments;
- class attributes bound in a class body to a fixed value and assigned nowhere else.

It under-approximates: what it cannot show fixed (``int(time.time())``, ``train_x.sum()``) is not
reported by the static check; the graded runs compare what the generators produced instead.
"""

from __future__ import annotations

import ast
from collections.abc import Callable
from dataclasses import dataclass, field

# fmt: off
PURE_BUILTINS: frozenset[str] = frozenset(f"builtins.{name}" for name in (
    "abs", "all", "any", "ascii", "bin", "bool", "bytes", "chr", "complex", "dict", "divmod",
    "enumerate", "filter", "float", "format", "frozenset", "hex", "int", "len", "list", "map",
    "max", "min", "oct", "ord", "pow", "range", "repr", "reversed", "round", "set", "slice",
    "sorted", "str", "sum", "tuple", "zip",
))
#: modules (and members) whose functions are pure: fixed arguments give a fixed result
PURE_PREFIXES: tuple[str, ...] = (
    "math.", "cmath.", "operator.", "functools.reduce", "string.", "hashlib.", "zlib.crc32",
    "zlib.adler32", "binascii.", "base64.", "struct.", "itertools.", "statistics.", "fractions.",
    "decimal.", "builtins.int.", "builtins.str.", "builtins.bytes.", "builtins.float.",
    "numpy.", "tensorflow.", "keras.ops.",
    "os.getenv", "os.environ", "sys.",  # the environment and the interpreter: alike in every run
)
#: inside those, what draws fresh values or reads a clock
IMPURE_PREFIXES: tuple[str, ...] = (
    "numpy.random", "numpy.empty", "tensorflow.random", "tensorflow.timestamp",
    "tensorflow.raw_ops",
    "tensorflow.experimental.numpy.random", "tensorflow.py_function", "tensorflow.numpy_function",
    "tensorflow.data", "tensorflow.Variable", "sys.stdin", "sys.exc_info", "sys.getrefcount",
)
# fmt: on
_MAX_DEPTH = 12


def is_pure(qualname: str | None) -> bool:
    """Whether ``qualname`` names a pure function (or a fixed value) of a library."""
    if qualname is None or "()" in qualname:
        return False
    if qualname in PURE_BUILTINS:
        return True
    return qualname.startswith(PURE_PREFIXES) and not qualname.startswith(IMPURE_PREFIXES)


@dataclass
class FixedValues:
    """What one script binds to fixed values; :meth:`is_fixed` asks about an expression."""

    resolve: Callable[[ast.AST], str | None]
    #: every binding of each name, in any scope: the value, or None for a binding that is not an
    #: expression (``for x in ...``, ``def``, ``import``, a parameter without a default ...)
    bindings: dict[str, list[ast.expr | None]]
    #: ``NAME = value`` in a class body, by attribute name
    class_attributes: dict[str, list[ast.expr]]
    stored_attributes: frozenset[str]  # attribute names assigned anywhere (``x.NAME = ...``)
    functions: dict[str, ast.FunctionDef | ast.Lambda]  # defined once, by name
    _names: dict[str, bool] = field(default_factory=dict)

    @classmethod
    def build(
        cls,
        material: Material,
        resolve: Callable[[ast.AST], str | None],
        stored_attributes: frozenset[str],
    ) -> FixedValues:
        valued = material.valued + [
            (arg.arg, default)
            for node in material.arguments
            for arg, default in parameter_defaults(node)
        ]
        return cls(
            resolve=resolve,
            bindings=_bindings(valued, material.counts),
            class_attributes=_class_attributes(material.classes),
            stored_attributes=stored_attributes,
            functions={f.name: f for f in material.functions if material.counts.get(f.name) == 1},
        )

    def is_fixed(self, node: ast.AST, local: frozenset[str] = frozenset(), depth: int = 0) -> bool:
        """Whether ``node`` has the same value in every run (``local``: names fixed by a call)."""
        if depth > _MAX_DEPTH:
            return False

        def fixed(child: ast.AST) -> bool:
            return self.is_fixed(child, local, depth + 1)

        if isinstance(node, ast.Constant):
            return True
        if isinstance(node, ast.Name):
            return node.id in local or self._name(node.id, depth) or is_pure(self.resolve(node))
        if isinstance(node, ast.UnaryOp):
            return fixed(node.operand)
        if isinstance(node, ast.BinOp):
            return fixed(node.left) and fixed(node.right)
        if isinstance(node, ast.BoolOp):
            return all(fixed(v) for v in node.values)
        if isinstance(node, ast.Compare):
            return fixed(node.left) and all(fixed(c) for c in node.comparators)
        if isinstance(node, ast.IfExp):  # whichever branch runs, its value is fixed
            return fixed(node.body) and fixed(node.orelse)
        if isinstance(node, ast.Tuple | ast.List | ast.Set):
            return all(fixed(e) for e in node.elts)
        if isinstance(node, ast.Starred | ast.NamedExpr | ast.FormattedValue):
            return fixed(node.value)
        if isinstance(node, ast.Dict):
            return all(fixed(k) for k in node.keys if k is not None) and all(
                fixed(v) for v in node.values
            )
        if isinstance(node, ast.JoinedStr):
            return all(fixed(v) for v in node.values)
        if isinstance(node, ast.Subscript):
            return fixed(node.value) and fixed(node.slice)
        if isinstance(node, ast.Slice):
            return all(fixed(p) for p in (node.lower, node.upper, node.step) if p is not None)
        if isinstance(node, ast.Attribute):
            return self._attribute(node, local, depth)
        if isinstance(node, ast.Call):
            return self._call(node, local, depth)
        return False

    def _name(self, name: str, depth: int) -> bool:
        known = self._names.get(name)
        if known is not None:
            return known
        values = self.bindings.get(name)
        self._names[name] = False  # while deciding: a name defined through itself is not fixed
        result = bool(values) and all(
            v is not None and self.is_fixed(v, depth=depth + 1) for v in values or ()
        )
        self._names[name] = result
        return result

    def _attribute(self, node: ast.Attribute, local: frozenset[str], depth: int) -> bool:
        if is_pure(self.resolve(node)):  # math.pi, sys.maxsize, np.int32
            return True
        if self.is_fixed(node.value, local, depth + 1):  # (42).real, np.iinfo(np.int32).max
            return True
        values = self.class_attributes.get(node.attr)
        return (
            values is not None
            and node.attr not in self.stored_attributes
            and self.resolve(node.value) is None  # the script's own class or instance
            and all(self.is_fixed(v, depth=depth + 1) for v in values)
        )

    def _call(self, node: ast.Call, local: frozenset[str], depth: int) -> bool:
        arguments = [*node.args, *(k.value for k in node.keywords)]
        if not all(self.is_fixed(a, local, depth + 1) for a in arguments):
            return False
        func = node.func
        if is_pure(self.resolve(func)):
            return True
        if isinstance(func, ast.Attribute) and self.is_fixed(func.value, local, depth + 1):
            return True  # a method of a fixed value: "seed".encode(), np.arange(3).sum()
        function: ast.FunctionDef | ast.Lambda | None = None
        if isinstance(func, ast.Lambda):
            function = func
        if isinstance(func, ast.Name) and func.id in self.functions:
            function = self.functions[func.id]
        if function is None:
            return False
        body = _returned(function)
        if body is None:
            return False
        parameters = function.args
        defaults = [*parameters.defaults, *(d for d in parameters.kw_defaults if d is not None)]
        if not all(self.is_fixed(d, local, depth + 1) for d in defaults):
            return False
        names = [a.arg for a in (*parameters.posonlyargs, *parameters.args, *parameters.kwonlyargs)]
        # its parameters hold the fixed arguments, or their fixed defaults
        return self.is_fixed(body, local | frozenset(names), depth + 1)


@dataclass(frozen=True)
class Material:
    """What a module binds, as the resolver collects it, kept raw until a constant is asked
    about (most scripts never ask)."""

    valued: list[tuple[str, ast.expr]]  # bindings with a value expression
    arguments: list[ast.arguments]  # every function's parameters, for their defaults
    counts: dict[str, int]  # how often each name is bound (global statements aside)
    classes: list[ast.ClassDef]
    functions: list[ast.FunctionDef]


def _bindings(
    valued: list[tuple[str, ast.expr]], counts: dict[str, int]
) -> dict[str, list[ast.expr | None]]:
    """Each name's bindings: the value expressions found, and None for each binding without one
    (a loop variable, a parameter without a default, an import ...)."""
    values: dict[str, list[ast.expr | None]] = {}
    for name, value in valued:
        values.setdefault(name, []).append(value)
    for name, found in values.items():
        found += [None] * max(0, counts.get(name, 0) - len(found))
    return values


def _class_attributes(classes: list[ast.ClassDef]) -> dict[str, list[ast.expr]]:
    """``NAME = value`` in class bodies, by name."""
    found: dict[str, list[ast.expr]] = {}
    for node in classes:
        for statement in node.body:
            if isinstance(statement, ast.Assign):
                for target in statement.targets:
                    if isinstance(target, ast.Name):
                        found.setdefault(target.id, []).append(statement.value)
            elif (
                isinstance(statement, ast.AnnAssign)
                and statement.value is not None
                and isinstance(statement.target, ast.Name)
            ):
                found.setdefault(statement.target.id, []).append(statement.value)
    return found


def parameter_defaults(arguments: ast.arguments) -> list[tuple[ast.arg, ast.expr]]:
    """Parameters with their default values (positional and keyword-only)."""
    positional = [*arguments.posonlyargs, *arguments.args]
    with_defaults = positional[len(positional) - len(arguments.defaults) :]
    pairs = list(zip(with_defaults, arguments.defaults, strict=True))
    pairs += [
        (a, d)
        for a, d in zip(arguments.kwonlyargs, arguments.kw_defaults, strict=True)
        if d is not None
    ]
    return pairs


def _returned(function: ast.FunctionDef | ast.Lambda) -> ast.expr | None:
    """What a lambda, or a function whose body is one ``return`` (a docstring aside), returns."""
    if isinstance(function, ast.Lambda):
        return function.body
    body = function.body
    if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
        body = body[1:]
    if len(body) == 1 and isinstance(body[0], ast.Return) and body[0].value is not None:
        return body[0].value
    return None
