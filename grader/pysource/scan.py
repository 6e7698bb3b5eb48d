"""One walk over a submission's AST, shared by every static check.

The static stage must keep up with hundreds of submissions a second, so the tree is walked once
per task file: the walk resolves every name, attribute and call through
:mod:`grader.pysource.resolver` and files them by kind. Each check then reads the lists it needs
instead of walking the tree again. The scan travels in the checks' context
(``grader.checks.base.TaskContext.scan``), so whoever holds a context holds its scan: no cache.

The types here are the static stage's working results (like the diff stage's alignment); what
leaves the stage are :class:`grader.records.Finding` records.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from typing import Any, NamedTuple

from grader.pysource.fixed import parameter_defaults
from grader.pysource.qualnames import import_targets
from grader.pysource.resolver import Resolver


class Reference(NamedTuple):
    """A name, attribute, ``getattr``/``__import__`` call or subscript, read, that resolves.

    (Named tuples, not dataclasses, for the two records made by the hundred per file.)
    """

    node: ast.expr
    qualname: str
    base: str | None  # what it was reached from (see Resolver.base_of)
    line: int


class CallSite(NamedTuple):
    node: ast.Call
    callee: str | None  # the function called, resolved
    method: str | None  # the attribute name when the callee is written ``x.method``
    receiver: str | None  # what ``x`` resolves to in ``x.method(...)``
    line: int

    @property
    def on_object(self) -> bool:
        """A method call on an object (not on a module): ``model.save(...)``, ``path.open()``."""
        return self.method is not None and (self.receiver is None or "()" in self.receiver)


@dataclass(frozen=True)
class ImportSite:
    node: ast.Import | ast.ImportFrom
    qualname: str  # what is imported (a module, or a module's member), canonical
    line: int


@dataclass(frozen=True)
class EnvWrite:
    """An environment variable set by the script (``os.environ[k] = v``, ``os.putenv`` ...)."""

    key: str
    value: ast.expr | None  # None when the value is not written out (``update(**d)`` ...)
    line: int


@dataclass(frozen=True)
class Scan:
    """Everything the static checks read about one task file, filed by kind."""

    resolver: Resolver
    loads: dict[str, tuple[Reference, ...]]  # references read (not assigned to), by qualname
    calls: tuple[CallSite, ...]
    imports: tuple[ImportSite, ...]
    names: tuple[ast.Name, ...]  # every bare name, in any context
    attribute_targets: tuple[ast.Attribute, ...]  # ``x.y = ...``, ``x.y += ...``, ``del x.y``
    subscript_targets: tuple[ast.Subscript, ...]  # ``x[k] = ...`` ...
    env_writes: tuple[EnvWrite, ...]
    defaults: tuple[tuple[ast.arg, ast.expr], ...]  # function parameters with their defaults
    global_statements: tuple[ast.Global, ...]
    #: every name the module binds, in any scope and any way (assignment, ``del``, ``def``,
    #: ``class``, ``import``, ``except ... as``, ``global``), with the lines that bind it
    bound_lines: dict[str, tuple[int, ...]]
    classes: tuple[ast.ClassDef, ...]  # in source order
    call_funcs: frozenset[int]  # ids of nodes written in a call's function position
    #: ``x.y = value``: the value assigned, by the id of its target (in ``attribute_targets``)
    attribute_values: dict[int, ast.expr]
    #: ids of what is only tested for membership: ``m`` (and ``m.keys``) in ``"k" in m.keys()``
    membership_tested: frozenset[int]


_ENV = "os.environ"
_ENV_SETTERS = frozenset({"os.environ.setdefault", "os.environ.__setitem__", "os.putenv"})


def build_scan(tree: ast.Module) -> Scan:
    """Walk ``tree`` once and file what the static checks read (it may raise on a tree too deep
    for the resolver; the checks that read the scan then fail, each turned into a warning)."""
    nodes = walk_by_type(tree)
    bucket = nodes.get
    resolver = Resolver.from_nodes(
        node for kind in Resolver.NODE_TYPES for node in bucket(kind, ())
    )
    resolve = resolver.resolve
    names: list[ast.Name] = bucket(ast.Name, [])
    attributes: list[ast.Attribute] = bucket(ast.Attribute, [])
    subscripts: list[ast.Subscript] = bucket(ast.Subscript, [])
    calls = [_call_site(call, resolver) for call in bucket(ast.Call, [])]
    references: list[Reference] = []  # what is read; assignment targets are filed below
    base_of = resolver.base_of
    for name in names:
        qualname = resolver.resolve_name(name.id)
        if qualname is not None and name.ctx.__class__ is ast.Load:
            references.append(Reference(name, qualname, base_of(name), name.lineno))
    for group in (attributes, subscripts):
        for node in group:
            qualname = resolve(node)
            if qualname is not None and node.ctx.__class__ is ast.Load:
                references.append(Reference(node, qualname, base_of(node), node.lineno))
    for site in calls:  # getattr(m, "x"), __import__("m"): references, not a call's result
        qualname = resolve(site.node)
        if qualname is not None and not qualname.endswith("()"):
            references.append(Reference(site.node, qualname, base_of(site.node), site.line))
    attribute_targets = tuple(a for a in attributes if a.ctx.__class__ is not ast.Load)
    resolver.stored_attributes = frozenset(a.attr for a in attribute_targets)
    env_writes: list[EnvWrite] = []
    for site in calls:
        _env_call(site, resolver, env_writes)
    attribute_values: dict[int, ast.expr] = {}
    for assign in bucket(ast.Assign, ()):
        for target in assign.targets:
            if isinstance(target, ast.Subscript):
                _env_item(target, assign.value, resolver, env_writes)
            elif isinstance(target, ast.Attribute):
                attribute_values[id(target)] = assign.value
    for augmented in bucket(ast.AugAssign, ()):
        _env_merge(augmented, resolver, env_writes)
    imports = [
        ImportSite(node, imported.module, node.lineno)
        for kind in (ast.Import, ast.ImportFrom)
        for node in bucket(kind, ())
        for imported in import_targets(node)
    ]
    loads: dict[str, list[Reference]] = {}
    for reference in references:
        loads.setdefault(reference.qualname, []).append(reference)
    return Scan(
        resolver=resolver,
        loads={qualname: tuple(group) for qualname, group in loads.items()},
        calls=tuple(calls),
        imports=tuple(imports),
        names=tuple(names),
        attribute_targets=attribute_targets,
        subscript_targets=tuple(s for s in subscripts if not isinstance(s.ctx, ast.Load)),
        env_writes=tuple(env_writes),
        defaults=tuple(pair for a in bucket(ast.arguments, ()) for pair in parameter_defaults(a)),
        global_statements=tuple(bucket(ast.Global, ())),
        bound_lines=_bound_lines(names, imports, bucket),
        classes=tuple(sorted(bucket(ast.ClassDef, ()), key=lambda c: (c.lineno, c.col_offset))),
        call_funcs=frozenset(id(site.node.func) for site in calls),
        attribute_values=attribute_values,
        membership_tested=_membership_tested(bucket(ast.Compare, [])),
    )


# fmt: off
#: fields that never hold a node worth visiting: strings, numbers, contexts and operators
_LEAF_FIELDS = frozenset({
    "ctx", "id", "attr", "arg", "name", "module", "level", "kind", "conversion",
    "type_comment", "is_async", "simple", "op", "ops",
})
# fmt: on
_CHILD_FIELDS: dict[type, tuple[str, ...]] = {ast.Constant: ()}


def walk_by_type(tree: ast.AST) -> dict[type, list[Any]]:
    """Every node under ``tree`` (operators and load/store contexts aside), grouped by class.

    A plain stack walk over each class's node-holding fields: about three times as fast as
    ``ast.walk``, which matters at hundreds of files a second.
    """
    groups: dict[type, list[Any]] = {}
    stack: list[Any] = [tree]
    pop, push, extend = stack.pop, stack.append, stack.extend
    while stack:
        node = pop()
        if not isinstance(node, ast.AST):
            continue  # None keys of ``{**d}``, the strings of ``global a, b``
        kind = node.__class__
        group = groups.get(kind)
        if group is None:
            groups[kind] = group = []
        group.append(node)
        fields = _CHILD_FIELDS.get(kind)
        if fields is None:
            fields = _CHILD_FIELDS[kind] = tuple(f for f in kind._fields if f not in _LEAF_FIELDS)
        for field in fields:
            value = getattr(node, field, None)
            if value.__class__ is list:
                extend(value)
            elif value is not None:
                push(value)
    return groups


def _bound_lines(
    names: list[ast.Name], imports: list[ImportSite], bucket: Any
) -> dict[str, tuple[int, ...]]:
    lines: dict[str, list[int]] = {}
    for name in names:
        if name.ctx.__class__ is not ast.Load:
            lines.setdefault(name.id, []).append(name.lineno)
    for kind in (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.ExceptHandler):
        for node in bucket(kind, ()):
            if node.name:
                lines.setdefault(node.name, []).append(node.lineno)
    for site in imports:
        for imported in import_targets(site.node):
            if imported.name is not None:
                lines.setdefault(imported.name, []).append(site.line)
    for statement in bucket(ast.Global, ()):
        for declared in statement.names:
            lines.setdefault(declared, []).append(statement.lineno)
    return {name: tuple(found) for name, found in lines.items()}


def _membership_tested(compares: list[ast.Compare]) -> frozenset[int]:
    """The right-hand operands of ``in`` / ``not in``, and ``m.keys`` and ``m`` of
    ``in m.keys()``."""
    found: set[int] = set()
    for compare in compares:
        for op, operand in zip(compare.ops, compare.comparators, strict=True):
            if not isinstance(op, ast.In | ast.NotIn):
                continue
            found.add(id(operand))
            if (
                isinstance(operand, ast.Call)
                and not operand.args
                and isinstance(operand.func, ast.Attribute)
                and operand.func.attr == "keys"
            ):
                found |= {id(operand.func), id(operand.func.value)}
    return frozenset(found)


def _call_site(call: ast.Call, resolver: Resolver) -> CallSite:
    func = call.func
    if isinstance(func, ast.Attribute):
        return CallSite(
            call, resolver.resolve(func), func.attr, resolver.resolve(func.value), call.lineno
        )
    return CallSite(call, resolver.resolve(func), None, None, call.lineno)


def _env_item(
    target: ast.Subscript, value: ast.expr, resolver: Resolver, out: list[EnvWrite]
) -> None:
    """``os.environ[key] = value``."""
    if resolver.resolve(target.value) == _ENV:
        key = resolver.string(target.slice)
        if key is not None:
            out.append(EnvWrite(key, value, target.lineno))


def _env_call(site: CallSite, resolver: Resolver, out: list[EnvWrite]) -> None:
    call = site.node
    if site.callee == f"{_ENV}.update":
        for argument in call.args[:1]:
            _env_dict(argument, resolver, out)
        for keyword in call.keywords:
            if keyword.arg is not None:
                out.append(EnvWrite(keyword.arg, keyword.value, call.lineno))
            else:
                _env_dict(keyword.value, resolver, out)
    elif site.callee in _ENV_SETTERS and call.args:
        key = resolver.string(call.args[0])
        if key is not None:
            value = call.args[1] if len(call.args) > 1 else None
            out.append(EnvWrite(key, value, call.lineno))


def _env_merge(node: ast.AugAssign, resolver: Resolver, out: list[EnvWrite]) -> None:
    """``os.environ |= {...}``."""
    if isinstance(node.op, ast.BitOr) and resolver.resolve(node.target) == _ENV:
        _env_dict(node.value, resolver, out)


def _env_dict(node: ast.expr, resolver: Resolver, out: list[EnvWrite]) -> None:
    if isinstance(node, ast.Dict):
        for key, value in zip(node.keys, node.values, strict=True):
            name = resolver.string(key) if key is not None else None
            if name is not None:
                out.append(EnvWrite(name, value, key.lineno if key else node.lineno))
    elif isinstance(node, ast.Call) and resolver.resolve(node.func) == "builtins.dict":
        for keyword in node.keywords:
            if keyword.arg is not None:
                out.append(EnvWrite(keyword.arg, keyword.value, node.lineno))

