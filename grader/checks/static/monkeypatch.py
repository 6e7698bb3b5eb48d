"""``monkeypatch``: the script may not patch libraries, builtins or the interpreter.

Patching is how a script fakes what the provided code measures or prints: ``time.time = ...``
shortens the duration, ``np.mean = ...`` the test error, ``builtins.print = ...`` the output,
``keras.Model.count_params = ...`` the model size. Found, however the module is imported:

- assigning to (or deleting) an attribute of a module, or of a class or function taken from one
  (``time.time = f``, ``keras.Model.fit = f``), with ``setattr``/``delattr``, or through its
  ``__dict__`` or ``vars()``;
- touching ``sys.modules``, ``__builtins__``, the import machinery (``sys.meta_path`` ...),
  audit, trace and profile hooks, or the interpreter's frames (``sys._getframe``);
- rebinding at module level a name the provided code relies on (``def print``, ``start_time =``,
  ``import other as np``), or overriding a method the provided evaluation calls on the model
  (``def count_params`` in a ``keras.Model`` subclass, ``model.predict = ...``); see
  :mod:`grader.checks.static.shadowing`.

Objects are fair game: ``self.x = 1``, ``model.trainable = False`` and
``layer.kernel_initializer = ...`` set attributes of instances, not of a library.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator

from grader.checks.base import TaskContext
from grader.checks.static.common import Hit, LineCheck, Prefixes, code, forbidden_uses
from grader.checks.static.shadowing import Reserved, all_module_bindings, reserved_names
from grader.ids import CheckId
from grader.pysource.qualnames import SCRIPT_MODULE, is_instance
from grader.pysource.scan import CallSite, Scan

# fmt: off
INTERPRETER_HOOKS = Prefixes([
    "sys.modules", "sys.meta_path", "sys.path_hooks", "sys.path_importer_cache",
    "sys.addaudithook", "sys.settrace", "sys.setprofile", "sys.monitoring", "sys._getframe",
    "threading.settrace", "threading.setprofile",
    "threading.settrace_all_threads", "threading.setprofile_all_threads",
    "inspect.currentframe", "gc.get_referrers", "gc.get_objects",
])
# fmt: on
# fmt: off
ATTRIBUTE_SETTERS: frozenset[str] = frozenset({
    "builtins.setattr", "builtins.delattr", "builtins.object.__setattr__",
    "builtins.object.__delattr__", "builtins.type.__setattr__", "builtins.type.__delattr__",
})
# fmt: on
SETTER_METHODS: frozenset[str] = frozenset({"__setattr__", "__delattr__"})
# fmt: off
DICT_WRITERS: frozenset[str] = frozenset({
    "update", "setdefault", "__setitem__", "__delitem__", "pop", "popitem", "clear",
})
# fmt: on
#: what the script may test for membership (``"google.colab" in sys.modules``): only reads
READ_ONLY_TESTS = frozenset({"sys.modules", "sys.modules.keys"})
#: ``os.environ |= {...}`` updates the mapping in place (the seed check reads what it sets)
ENVIRON = "os.environ"


class Monkeypatch(LineCheck):
    id = CheckId.MONKEYPATCH

    def message(self, found: str) -> str:
        return (
            f"changes what the provided code relies on: {found}. Libraries, builtins, the "
            "interpreter and the methods the provided evaluation calls must stay as they are"
        )

    def hits(self, ctx: TaskContext, scan: Scan) -> Iterator[Hit]:
        resolver = scan.resolver
        for target in scan.attribute_targets:  # time.time = ..., del np.mean
            if _library(resolver.resolve(target.value)) and resolver.resolve(target) != ENVIRON:
                yield target.lineno, code(target)
        for site in scan.calls:
            if _patches(site, scan):
                yield site.line, code(site.node)
        for item in scan.subscript_targets:  # np.__dict__["mean"] = ..., vars(np)[...] = ...
            if _library(_namespace_of(item.value, scan)):
                yield item.lineno, code(item)
        for line, qualname in forbidden_uses(scan, INTERPRETER_HOOKS):
            if not _only_tested(qualname, line, scan):
                yield line, f"`{qualname}`"
        for name in scan.names:
            if name.id == "__builtins__":
                yield name.lineno, "`__builtins__`"
        yield from _shadowing(ctx, scan)
        yield from _overridden_methods(ctx, scan)


def _only_tested(qualname: str, line: int, scan: Scan) -> bool:
    """``"google.colab" in sys.modules``: asking whether a module was imported changes nothing.

    Only the membership test itself is exempt, and only when every use of ``sys.modules`` on the
    line is one (``sys.modules["numpy"].mean = f`` on the same line is still reported).
    """
    if qualname not in READ_ONLY_TESTS:
        return False
    uses = [r for q in READ_ONLY_TESTS for r in scan.loads.get(q, ()) if r.line == line]
    return bool(uses) and all(id(r.node) in scan.membership_tested for r in uses)


def _patches(site: CallSite, scan: Scan) -> bool:
    """``setattr(np, ...)``, ``np.__setattr__(...)``, ``np.__dict__.update(...)`` ..."""
    call = site.node
    if site.callee in ATTRIBUTE_SETTERS:
        return bool(call.args) and _library(scan.resolver.resolve(call.args[0]))
    if site.method in SETTER_METHODS:
        return _library(site.receiver)
    return (
        site.method in DICT_WRITERS
        and isinstance(call.func, ast.Attribute)
        and _library(_namespace_of(call.func.value, scan))
    )


def _library(qualname: str | None) -> bool:
    """A module, or something taken from one (not an object made at run time, not the script)."""
    return (
        qualname is not None
        and not is_instance(qualname)
        and qualname != SCRIPT_MODULE
        and not qualname.startswith(SCRIPT_MODULE + ".")
    )


def _namespace_of(node: ast.expr, scan: Scan) -> str | None:
    """What ``X`` is in ``X.__dict__`` or ``vars(X)``; None for anything else."""
    if isinstance(node, ast.Attribute) and node.attr == "__dict__":
        return scan.resolver.resolve(node.value)
    if (
        isinstance(node, ast.Call)
        and len(node.args) == 1
        and scan.resolver.resolve(node.func) == "builtins.vars"
    ):
        return scan.resolver.resolve(node.args[0])
    return None


def _shadowing(ctx: TaskContext, scan: Scan) -> Iterator[Hit]:
    reserved = reserved_names(ctx.original)
    if _rebound_outside_provided(reserved.names, scan, ctx.provided_lines):
        yield from _module_rebindings(ctx, scan, reserved)
    for target in scan.subscript_targets:  # globals()["print"] = ...
        qualname = scan.resolver.resolve(target)
        if qualname is not None and qualname.startswith(SCRIPT_MODULE + "."):
            name = qualname[len(SCRIPT_MODULE) + 1 :]
            if name in reserved.names:
                yield target.lineno, f"rebinds `{name}`, which the provided code relies on"


def _rebound_outside_provided(
    names: frozenset[str], scan: Scan, provided_lines: frozenset[int]
) -> bool:
    """Whether any of ``names`` is bound (in any scope) outside the provided code: only then is
    the walk over the module's statements worth it (the provided code binds most of them)."""
    return any(
        line not in provided_lines for name in names for line in scan.bound_lines.get(name, ())
    )


def _module_rebindings(ctx: TaskContext, scan: Scan, reserved: Reserved) -> Iterator[Hit]:
    for node, name, qualname in all_module_bindings(ctx.tree, scan.global_statements):
        if name in reserved.names and (qualname is None or qualname != reserved.imports.get(name)):
            yield _line(node), f"rebinds `{name}`, which the provided code relies on"


def _overridden_methods(ctx: TaskContext, scan: Scan) -> Iterator[Hit]:
    """``def predict`` in a subclass of a library class, ``model.count_params = ...``."""
    methods = reserved_names(ctx.original).methods
    if not methods:
        return
    derived: set[str] = set()  # the script's classes that derive from a library class
    for cls in scan.classes:
        if any(
            _library(scan.resolver.resolve(base))
            or (isinstance(base, ast.Name) and base.id in derived)
            for base in cls.bases
        ):
            derived.add(cls.name)
            for statement in cls.body:
                for name in _defined(statement):
                    if name in methods:
                        yield statement.lineno, f"overrides `{name}` in `{cls.name}`"
    for target in scan.attribute_targets:
        if target.attr in methods and isinstance(target.ctx, ast.Store):
            yield target.lineno, f"replaces {code(target)}"


def _defined(statement: ast.stmt) -> list[str]:
    """The names a class-body statement defines (methods and simple assignments)."""
    if isinstance(statement, ast.FunctionDef | ast.AsyncFunctionDef):
        return [statement.name]
    if isinstance(statement, ast.Assign):
        return [t.id for t in statement.targets if isinstance(t, ast.Name)]
    if isinstance(statement, ast.AnnAssign) and isinstance(statement.target, ast.Name):
        return [statement.target.id]
    return []


def _line(node: ast.AST) -> int:
    return int(getattr(node, "lineno", 0))
