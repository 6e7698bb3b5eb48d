"""``seed``: any seeding of a random number generator.

Every run must draw a new split and new initial weights (the grader averages five runs), so the
assignment forbids seeds of any kind. Five shapes are found, however the API is imported:

- a call of a seeding function (``random.seed``, ``np.random.seed``, ``tf.random.set_seed``,
  ``keras.utils.set_random_seed``, ``tf.config.experimental.enable_op_determinism`` ...), or the
  function handed on uncalled (``map(np.random.seed, ...)``); an alias (``f = np.random.seed``)
  is reported where it is called. A seeding function called with no seed or with None
  (``np.random.seed()``, ``tf.random.set_seed(None)``) reseeds from fresh entropy, like
  ``default_rng()``: that is no seed, and the run-time harness does not record it either;
- a generator built from a constant (``np.random.default_rng(42)``, ``RandomState(0)``,
  ``random.Random(1)``, ``PCG64(7)``, ``keras.random.SeedGenerator(3)``), not ``default_rng()``;
- a constant ``seed=`` or ``random_state=`` argument to any call, or a constant passed where a
  known API takes its seed positionally (``Dropout(0.3, None, 42)``, ``RandomCrop(24, 24, 7)``,
  ``tf.random.stateless_normal(shape, (1, 2))``: every public Keras 3 and TensorFlow API with a
  positional seed, :mod:`grader.checks.static.seed_positions`); a parameter called ``seed`` with a
  constant default counts too. A constant is anything the same in every run, however it is
  computed (``len("seed")``, ``int("5")``, a class attribute, a parameter's default, a
  conditional expression, a name bound twice to constants: :mod:`grader.pysource.fixed`), never
  None;
- a generator's whole state set (``random.setstate``, ``np.random.set_state``,
  ``rng.bit_generator.state = ...``, ``Generator.from_state``) to anything but a state saved
  earlier in the same run (:mod:`grader.checks.static.seed_state`; untraceable: a warning), and
  Keras's global seed state set directly;
- ``PYTHONHASHSEED`` or TensorFlow's determinism switches set in the environment.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator

from grader.checks.base import TaskContext
from grader.checks.static.common import Hit, LineCheck, called, code
from grader.checks.static.seed_positions import SEED_POSITION
from grader.checks.static.seed_state import (
    Source,
    may_set_state,
    state_assignments,
    state_calls,
)
from grader.ids import CheckId
from grader.pysource.scan import CallSite, Scan
from grader.records import Finding, Severity

# fmt: off
#: calling (or handing on) one of these seeds a generator, whatever the arguments
SEEDING_FUNCTIONS: frozenset[str] = frozenset({
    "random.seed",
    "random.Random().seed",
    "numpy.random.seed",
    "numpy.random.RandomState().seed",
    "tensorflow.random.set_seed",
    "tensorflow.set_random_seed",
    "tensorflow.compat.v1.set_random_seed",
    "tensorflow.compat.v1.random.set_random_seed",
    "keras.utils.set_random_seed",
    "random.setstate",
    "random.Random().setstate",
    "random.Random.seed",
    "random.Random.setstate",
    "random._inst.seed",
    "random._inst.setstate",
    "random.Random().__init__",
    "random.Random.__init__",
    "random._inst.__init__",
    "numpy.random.RandomState().__init__",
    "numpy.random.RandomState.__init__",
    "numpy.random.set_state",
    "numpy.random.RandomState().set_state",
    "numpy.random.RandomState.seed",
    "numpy.random.RandomState.set_state",
    "numpy.random._rand.seed",
    "numpy.random._rand.set_state",
    "tensorflow.random.Generator.from_seed",
    "tensorflow.random.experimental.Generator.from_seed",
    "tensorflow.random.Generator.from_state",
    "tensorflow.random.experimental.Generator.from_state",
    "tensorflow.random.Generator.from_key_counter",
    "tensorflow.random.experimental.Generator.from_key_counter",
    "tensorflow.experimental.numpy.random.seed",
    "tensorflow.config.experimental.enable_op_determinism",
    "torch.manual_seed",
    "torch.cuda.manual_seed",
    "torch.cuda.manual_seed_all",
    "torch.use_deterministic_algorithms",
})
# fmt: on
#: where the seeding functions that may go without a seed take it: (position, keyword); called
#: without one, or with None, they draw fresh entropy (the others seed or fix order whatever
#: their arguments: ``enable_op_determinism()``, ``Generator.from_seed``)
SEED_ARGUMENT: dict[str, tuple[int, str]] = {
    "random.seed": (0, "a"),
    "random.Random().seed": (0, "a"),
    "numpy.random.seed": (0, "seed"),
    "numpy.random.RandomState().seed": (0, "seed"),
    "tensorflow.random.set_seed": (0, "seed"),
    "tensorflow.set_random_seed": (0, "seed"),
    "tensorflow.compat.v1.set_random_seed": (0, "seed"),
    "tensorflow.compat.v1.random.set_random_seed": (0, "seed"),
    "keras.utils.set_random_seed": (0, "seed"),
    "random.Random.seed": (1, "a"),
    "random._inst.seed": (0, "a"),
    "random.Random().__init__": (0, "x"),
    "random._inst.__init__": (0, "x"),
    "random.Random.__init__": (1, "x"),
    "numpy.random.RandomState().__init__": (0, "seed"),
    "numpy.random.RandomState.__init__": (1, "seed"),
    "numpy.random.RandomState.seed": (1, "seed"),
    "numpy.random._rand.seed": (0, "seed"),
    "tensorflow.experimental.numpy.random.seed": (0, "s"),
}
#: the seeding functions found by name (below) that take a seed, and how: ``set_seed(seed)``
NAMED_SEED_ARGUMENT: dict[str, tuple[int, str]] = {
    "set_random_seed": (0, "seed"),
    "set_seed": (0, "seed"),
}
#: seeding functions by name, wherever they sit inside TensorFlow or Keras (``keras.src.utils.
#: rng_utils.set_random_seed`` is ``keras.utils.set_random_seed`` by another path)
SEEDING_NAMES: frozenset[str] = frozenset({"set_random_seed", "set_seed", "enable_op_determinism"})
SEEDING_NAMESPACES: tuple[str, ...] = ("tensorflow.", "keras.")
#: Keras 3 keeps its global seed and seed generator in its global state (``set_random_seed``
#: writes them there): setting an attribute of it whose name holds one of these words seeds
GLOBAL_STATE_SETTER = "keras.backend.common.global_state.set_global_attribute"
GLOBAL_STATE_WORDS: tuple[str, ...] = ("seed", "generator")
#: methods that reseed whatever generator they are called on
SEEDING_METHODS: frozenset[str] = frozenset(
    {"reset_from_seed", "reset_from_key_counter", "_legacy_seeding"}
)
# fmt: off
#: generators (and seed sources) that are seeded when built from a constant
SEEDED_BY_ARGUMENT: frozenset[str] = frozenset({
    "random.Random",
    "numpy.random.RandomState",
    "numpy.random.default_rng",
    "numpy.random.SeedSequence",
    "numpy.random.PCG64",
    "numpy.random.PCG64DXSM",
    "numpy.random.MT19937",
    "numpy.random.Philox",
    "numpy.random.SFC64",
    "keras.random.SeedGenerator",
    "tensorflow.random.Generator",
    "tensorflow.random.experimental.Generator",
    "jax.random.PRNGKey",
    "jax.random.key",
})
# fmt: on

#: the keywords those constructors take their seed (or state) by
GENERATOR_SEEDS: frozenset[str] = frozenset({"x", "seed", "entropy", "state"})
#: where a constructor takes its seed positionally when not first: ``Generator(copy_from, state)``
GENERATOR_SEED_POSITION: dict[str, int] = {
    "tensorflow.random.Generator": 1,
    "tensorflow.random.experimental.Generator": 1,
}

#: keywords that take a seed in any call (``seed2``: TensorFlow's raw ops; ``tf_random_seed``:
#: an estimator's RunConfig)
SEED_KEYWORDS: frozenset[str] = frozenset({"seed", "seed2", "random_state", "tf_random_seed"})

#: methods of a tf.data dataset (an object, so known by its method) and where they take the seed:
#: ``dataset.shuffle(buffer_size, seed)``; NumPy's ``rng.shuffle(x, axis)`` takes no seed
DATASET_SEED_POSITION: dict[str, int] = {"shuffle": 1, "rejection_resample": 3}
DATASETS = "tensorflow.data."

# fmt: off
#: environment variables that fix hashing or make TensorFlow's kernels deterministic
SEEDING_ENVIRONMENT: frozenset[str] = frozenset({
    "PYTHONHASHSEED", "TF_DETERMINISTIC_OPS", "TF_CUDNN_DETERMINISTIC",
})
# fmt: on


class Seed(LineCheck):
    id = CheckId.SEED

    def message(self, found: str) -> str:
        return (
            f"seeds a random number generator: {found}. The assignment allows no seeds: every "
            "run must draw its own split and initial weights"
        )

    def check(self, ctx: TaskContext) -> Iterator[Finding]:
        yield from super().check(ctx)
        for line, what in self._unknown_states(ctx.scan):  # the graded runs decide these
            if line not in ctx.provided_lines:
                yield self.finding(
                    f"sets a generator's state the check cannot trace: {what}. Restoring a "
                    "state saved earlier in the same run from the same generator is fine; a "
                    "state fixed in the script is a seed. The graded runs compare the "
                    "generators' states across runs",
                    file=ctx.file.name, line=line, severity=Severity.WARNING,
                )

    def hits(self, ctx: TaskContext, scan: Scan) -> Iterator[Hit]:
        for site in scan.calls:
            yield from self._call(site, scan)
        for qualname in SEEDING_FUNCTIONS & scan.loads.keys():  # handed on, not called here
            for reference in scan.loads[qualname]:
                node = id(reference.node)
                if node not in scan.call_funcs and node not in scan.resolver.alias_values:
                    yield reference.line, f"{code(reference.node)} (handed on)"
        for argument, default in scan.defaults:
            if argument.arg in SEED_KEYWORDS and _fixed(default, scan):
                yield default.lineno, f"`{argument.arg}={ast.unparse(default)}` (a default)"
        for write in scan.env_writes:
            if write.key in SEEDING_ENVIRONMENT:
                yield write.line, f"the environment variable {write.key}"
        for source, line, what in state_assignments(scan):
            if source is Source.FIXED:
                yield line, f"{what} (a fixed generator state)"

    def _unknown_states(self, scan: Scan) -> Iterator[Hit]:
        for site in scan.calls:
            if may_set_state(site):
                for source, line, what in state_calls(site, scan):
                    if source is Source.UNKNOWN:
                        yield line, what
        for source, line, what in state_assignments(scan):
            if source is Source.UNKNOWN:
                yield line, what

    def _call(self, site: CallSite, scan: Scan) -> Iterator[Hit]:
        call, callee = site.node, site.callee
        states = list(state_calls(site, scan)) if may_set_state(site) else []
        if states:  # a state set (checked first: the setters are seeding functions too)
            for source, line, what in states:
                if source is Source.FIXED:
                    yield line, f"{what} (a fixed generator state)"
            return
        if callee is not None and (callee in SEEDING_FUNCTIONS or _internal_seeding(callee)):
            where = _seed_argument(callee)
            if where is None or _seeds(call, where, scan):
                yield site.line, called(call)
            return
        if site.on_object and site.method in SEEDING_METHODS:
            yield site.line, called(call)
            return
        if callee == GLOBAL_STATE_SETTER and call.args:
            name = scan.resolver.string(call.args[0])
            if name is None or any(word in name for word in GLOBAL_STATE_WORDS):
                yield site.line, f"{called(call)} (Keras's global seed state)"
            return
        if callee in SEEDED_BY_ARGUMENT:
            first = GENERATOR_SEED_POSITION.get(callee, 0)
            seeds = [
                *call.args[first : first + 1],
                *(k.value for k in call.keywords if k.arg in GENERATOR_SEEDS),
            ]
            if any(_fixed(seed, scan) for seed in seeds):
                yield site.line, f"{code(call)} (a generator with a fixed seed)"
            return
        for keyword in call.keywords:
            if keyword.arg in SEED_KEYWORDS and _fixed(keyword.value, scan):
                yield keyword.value.lineno, f"`{keyword.arg}={ast.unparse(keyword.value)}`"
            elif keyword.arg is None:  # **{"seed": 1}, or **options with options = {"seed": 1}
                for name, value in _unpacked(keyword.value, scan):  # reported where passed
                    if name in SEED_KEYWORDS and _fixed(value, scan):
                        yield keyword.value.lineno, f"`{name}={ast.unparse(value)}` (unpacked)"
        position = SEED_POSITION.get(callee or "")
        if (
            position is None
            and site.method in DATASET_SEED_POSITION
            and _maybe_dataset(site.receiver)
        ):
            position = DATASET_SEED_POSITION[site.method]
        if position is not None and len(call.args) > position:
            argument = call.args[position]
            if not isinstance(argument, ast.Starred) and _fixed(argument, scan):
                yield argument.lineno, f"{code(argument)} as the seed of {called(call)}"


def _unpacked(node: ast.expr, scan: Scan) -> Iterator[tuple[str, ast.expr]]:
    """The ``(key, value)`` pairs ``**node`` passes, as far as a dictionary literal shows them:
    written in place, or bound once to a name. (``**dict(seed=1)`` needs no help: the ``dict``
    call is itself a call with a ``seed=`` keyword.)"""
    if isinstance(node, ast.Name):
        bound = scan.resolver.single.get(node.id)
        node = bound if bound is not None else node
    if isinstance(node, ast.Dict):
        for key, value in zip(node.keys, node.values, strict=True):
            name = scan.resolver.string(key) if key is not None else None
            if name is not None:
                yield name, value


def _seed_argument(callee: str) -> tuple[int, str] | None:
    """Where ``callee`` takes its seed, when it may be called without one; None when it seeds
    (or fixes the order of operations) whatever its arguments."""
    if callee in SEED_ARGUMENT:
        return SEED_ARGUMENT[callee]
    if callee in SEEDING_FUNCTIONS:
        return None
    return NAMED_SEED_ARGUMENT.get(callee.rpartition(".")[2])


def _seeds(call: ast.Call, where: tuple[int, str], scan: Scan) -> bool:
    """Whether a seeding function that may go without a seed is given one (not None).

    Arguments the source does not spell out (``*args``, ``**options``) may hold a seed: they count.
    """
    position, keyword = where
    if any(isinstance(a, ast.Starred) for a in call.args[: position + 1]) or any(
        k.arg is None for k in call.keywords
    ):
        return True
    if len(call.args) > position:
        value: ast.expr | None = call.args[position]
    else:
        value = next((k.value for k in call.keywords if k.arg == keyword), None)
    return value is not None and not scan.resolver.is_none(value)


def _fixed(node: ast.expr, scan: Scan) -> bool:
    """A constant that is not None: a literal, or a module-level name bound once to one."""
    return scan.resolver.is_constant(node) and not scan.resolver.is_none(node)


def _maybe_dataset(receiver: str | None) -> bool:
    """A tf.data dataset, or an object the resolver cannot trace (it may be one)."""
    return receiver is None or receiver.startswith(DATASETS)


def _internal_seeding(callee: str | None) -> bool:
    return (
        callee is not None
        and callee.startswith(SEEDING_NAMESPACES)
        and "()" not in callee
        and callee.rpartition(".")[2] in SEEDING_NAMES
    )
