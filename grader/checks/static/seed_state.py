"""The ``seed`` check's second half: a generator's whole state set, rather than a seed.

``random.setstate(s)``, ``np.random.set_state(s)``, ``rng.bit_generator.state = s`` and
``g.state.assign(s)`` fix every number the generator draws next, as a seed does; Keras 3 draws its
default seeds from Python's ``random``, so ``random.setstate`` fixes the initial weights too. One
honest idiom sets a state: saving it and restoring it later in the same run
(``s = np.random.get_state()`` ... ``np.random.set_state(s)``, to shuffle two arrays alike), which
replays nothing across runs. So a state read from the same generator in this run is fine, one
written into the script (or computed from constants, or drawn from another generator) is a
violation, and one the check cannot trace is a warning that says so; the graded runs compare the
generators' states across runs and decide.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from enum import Enum

from grader.checks.static.common import called, code
from grader.pysource.scan import CallSite, Scan

#: functions that set a generator's whole state -> (position, keyword) of the state
STATE_SETTERS: dict[str, tuple[int, str]] = {
    "random.setstate": (0, "state"),
    "random.Random().setstate": (0, "state"),
    "random._inst.setstate": (0, "state"),
    "random.Random.setstate": (1, "state"),
    "numpy.random.set_state": (0, "state"),
    "numpy.random.RandomState().set_state": (0, "state"),
    "numpy.random._rand.set_state": (0, "state"),
    "numpy.random.RandomState.set_state": (1, "state"),
}
#: the same, as methods of an object of these libraries (``_rand.__setstate__(s)``)
STATE_METHODS: frozenset[str] = frozenset({"__setstate__", "set_state", "setstate"})
GENERATOR_LIBRARIES: tuple[str, ...] = ("random.", "numpy.random.")
#: what reads a generator's state back: ``get_state()``, ``getstate()``, ``.state``
STATE_GETTERS: tuple[str, ...] = ("get_state()", "getstate()", "__getstate__()", "state")
#: where a NumPy bit generator keeps its state: ``rng.bit_generator.state = saved``
BIT_GENERATOR_ATTRIBUTES: frozenset[str] = frozenset({"bit_generator", "_bit_generator"})
#: objects whose ``state`` variable is a generator's state: ``g.state.assign(...)``
STATE_VARIABLES: tuple[str, ...] = ("tensorflow.random.", "keras.random.SeedGenerator")


class Source(Enum):
    """Where a state set into a generator comes from."""

    SAVED = "saved earlier in this run"
    FIXED = "fixed"
    UNKNOWN = "cannot tell"


def may_set_state(site: CallSite) -> bool:
    """A quick test, before :func:`state_calls`: could this call set a generator's state?"""
    return site.callee in STATE_SETTERS or site.method in STATE_METHODS or site.method == "assign"


def state_calls(site: CallSite, scan: Scan) -> Iterator[tuple[Source, int, str]]:
    """``(source, line, what)`` for a call that sets a generator's state (nothing otherwise)."""
    call, callee = site.node, site.callee
    if callee in STATE_SETTERS:
        position, keyword = STATE_SETTERS[callee]
        state = _argument(call, position, keyword)
        if state is not None:
            owner = callee.rpartition(".")[0]
            yield _source(state, scan, owner), site.line, called(call)
    elif site.method in STATE_METHODS and (site.receiver or "").startswith(GENERATOR_LIBRARIES):
        state = _argument(call, 0, "state")
        if state is not None:
            yield _source(state, scan, site.receiver), site.line, called(call)
    elif site.method == "assign" and _state_variable(call.func, scan) and call.args:
        yield _source(call.args[0], scan, None), site.line, called(call)


def state_assignments(scan: Scan) -> Iterator[tuple[Source, int, str]]:
    """``rng.bit_generator.state = s`` and ``PCG64().state = s``."""
    for target in scan.attribute_targets:
        if target.attr != "state" or not isinstance(target.ctx, ast.Store):
            continue
        owner = target.value
        receiver = scan.resolver.resolve(owner) or ""
        bit_generator = (
            isinstance(owner, ast.Attribute) and owner.attr in BIT_GENERATOR_ATTRIBUTES
        ) or receiver.startswith("numpy.random.")
        value = scan.attribute_values.get(id(target))
        if bit_generator and value is not None:
            yield _source(value, scan, None), target.lineno, f"{code(target)} = ..."


def _state_variable(func: ast.expr, scan: Scan) -> bool:
    """``g.state.assign`` on a TensorFlow generator or a Keras seed generator."""
    if not (isinstance(func, ast.Attribute) and isinstance(func.value, ast.Attribute)):
        return False
    if func.value.attr != "state":
        return False
    owner = scan.resolver.resolve(func.value.value) or ""
    return owner.startswith(STATE_VARIABLES)


def _argument(call: ast.Call, position: int, keyword: str) -> ast.expr | None:
    if len(call.args) > position:
        return call.args[position]
    return next((k.value for k in call.keywords if k.arg in (keyword, None)), None)


def _source(state: ast.expr, scan: Scan, owner: str | None) -> Source:
    """Saved in this run from the generator ``owner`` (``get_state()``; any ``.state`` read when
    the owner is an object the resolver does not name), fixed, or unknown."""
    resolver = scan.resolver
    if isinstance(state, ast.Starred):
        return Source.UNKNOWN
    if resolver.is_constant(state):
        return Source.FIXED
    if isinstance(state, ast.Name) and state.id in resolver.single:
        state = resolver.single[state.id]  # s = rng.bit_generator.state, then ... = s
    origin = resolver.resolve(state)
    if isinstance(state, ast.Attribute) and state.attr == "state":
        return Source.SAVED
    if origin is None:
        return Source.UNKNOWN
    owners = (owner, f"{owner}()") if owner else ()
    if any(origin == f"{o}.{getter}" for o in owners for getter in STATE_GETTERS):
        return Source.SAVED
    return Source.FIXED  # pickle.loads(...), a literal's copy ...: written into the script
