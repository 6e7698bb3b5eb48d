"""Hooks for issue 10's run-time facts: weights set other than by training, training after the
evaluation began, batches of custom loops, and TensorFlow's own file operations.

- ``set_weights`` from the script counts as weights set unless the values are ones
  ``get_weights`` returned earlier in the run (a callback keeping its best weights is training)
  or lie, element by element, within the range of those (an average of snapshots, an exponential
  moving average, an interpolation between them: any convex combination of weights training
  produced stays inside their range, and weights from elsewhere do not);
  ``assign`` from the script counts only before any gradient was taken (a hand-written descent
  step assigns too), and only on a weight of a Keras model the script holds (a learning rate or a
  counter is not a weight).
- A model called eagerly while a ``GradientTape`` records is a custom training step: its inputs
  are compared with the grader's test rows.
- ``tf.io.gfile`` and ``tf.raw_ops.ReadFile``/``WriteFile`` raise no audit event: the calls the
  script makes are recorded as files opened (the sandbox confines them anyway).
"""

from __future__ import annotations

import functools
import hashlib
import sys
import types
import weakref
from typing import TYPE_CHECKING, Any

from .origins import SCRIPT
from .rows import leaves

if TYPE_CHECKING:
    from .keras import KerasHooks

GFILE_CALLS = ("GFile", "exists", "glob", "listdir", "walk", "copy", "rename", "remove",
               "makedirs", "rmtree")
RAW_FILE_OPS = ("ReadFile", "WriteFile", "MatchingFiles", "Save", "Restore", "SaveV2",
                "RestoreV2")


class TrustHooks:
    """The hooks above, sharing the Keras hooks' facts, witness and test rows."""

    def __init__(self, hooks: KerasHooks) -> None:
        self.hooks = hooks
        self.facts = hooks.facts
        self.snapshots: set[str] = set()
        self.ranges = WeightRanges()
        self.tapes = 0
        self.gradients = False  # a gradient step or training call was seen
        self.steps = 0  # training calls and gradient steps so far
        self.trainers: weakref.WeakSet[Any] = weakref.WeakSet()  # tf.functions that train

    def training(self, label: str, model: Any) -> None:
        """A training call or gradient step: late when the evaluation has begun."""
        self.gradients = True
        self.steps += 1
        if self.facts.evaluation_reached:
            self.facts.add("late_training", label)
            return
        tf = sys.modules.get("tensorflow")
        if tf is not None and not tf.executing_eagerly():
            return  # tracing a compiled step: the witness starts at its eager call
        if model is None:
            model = self.hooks.namespace().get("model")
            model_class = self.hooks.refs.get("Model")
            if model_class is None or not isinstance(model, model_class):
                model = None
        get_weights = self.hooks.refs.get("get_weights")
        if get_weights is not None:
            self.hooks.witness.training_started(model, get_weights)

    # -- Keras

    def patch_keras(self, keras: Any) -> None:
        patcher = self.hooks.patcher
        patcher.wrap_method(keras.layers.Layer, "get_weights", self._get_weights)
        patcher.wrap_method(keras.layers.Layer, "set_weights", self._set_weights)
        variable = getattr(keras, "Variable", None)
        if isinstance(variable, type):
            patcher.wrap_method(variable, "assign", self._assign("keras.Variable.assign"))
        model = keras.Model
        layer_call = model.__call__
        hooks = self

        @functools.wraps(layer_call)
        def call(self: Any, *args: Any, **kwargs: Any) -> Any:
            if hooks.tapes and not hooks.facts.evaluation_reached and args:
                with hooks.facts.guarded("a custom training step"):
                    hooks.custom_step(args[0])
            return layer_call(self, *args, **kwargs)

        model.__call__ = call

    def checked_generators(self, args: tuple[Any, ...],
                           kwargs: dict[str, Any]) -> tuple[tuple[Any, ...], dict[str, Any]]:
        """``fit(x=generator)``: the generator is passed on through one that compares each batch
        it yields with the test rows (a generator stays a generator)."""
        if args and isinstance(args[0], types.GeneratorType):
            return (self._checking(args[0]), *args[1:]), kwargs
        if isinstance(kwargs.get("x"), types.GeneratorType):
            return args, {**kwargs, "x": self._checking(kwargs["x"])}
        return args, kwargs

    def _checking(self, generator: Any) -> Any:
        """Passes on what ``generator`` yields, comparing each batch while fit reads it
        (predicting or evaluating on a generator is not training; a custom loop's batches are
        compared where the model is called under a tape)."""
        for item in generator:
            if self.hooks.training_depth > 0:
                with self.facts.guarded("a generator's batch"):
                    batch = list(leaves(item[0] if isinstance(item, tuple) else item))
                    self.hooks.witness.rows_seen(batch)
                    self.hooks.test_rows.check(batch)
            yield item

    def from_generator(self, original: Any) -> Any:
        """``tf.data.Dataset.from_generator``: what the generator yields is compared too."""
        @functools.wraps(original)
        def from_generator(generator: Any, *args: Any, **kwargs: Any) -> Any:
            if callable(generator) and not self.hooks.pydatasets.owns(generator):
                made = generator

                def generator(*inner: Any) -> Any:  # noqa: F811 - the checking stand-in
                    return self._checking(made(*inner))

            return original(generator, *args, **kwargs)
        return from_generator

    def custom_step(self, inputs: Any) -> None:
        arrays = [a for a in leaves(inputs) if hasattr(a, "numpy") or hasattr(a, "tobytes")]
        if arrays and all(_eager(a) for a in arrays):
            self.hooks.witness.rows_seen(arrays)
            self.hooks.test_rows.check(arrays)

    def _get_weights(self, original: Any) -> Any:
        @functools.wraps(original)
        def get_weights(layer: Any, *args: Any, **kwargs: Any) -> Any:
            result = original(layer, *args, **kwargs)
            with self.facts.guarded("get_weights"):
                if len(self.snapshots) < 4096:
                    self.snapshots.add(_hash(result))
                self.ranges.add(result)
            return result
        return get_weights

    def _set_weights(self, original: Any) -> Any:
        @functools.wraps(original)
        def set_weights(layer: Any, weights: Any, *args: Any, **kwargs: Any) -> Any:
            with self.facts.guarded("set_weights"):
                if (self.hooks.origins.caller() == SCRIPT and not self.facts.evaluation_reached
                        and _hash(weights) not in self.snapshots
                        and not self.ranges.holds(weights)):
                    self.facts.add("weights_set",
                                   f"{type(layer).__name__}.set_weights (values not from training)")
            return original(layer, weights, *args, **kwargs)
        return set_weights

    def _assign(self, label: str) -> Any:
        def make(original: Any) -> Any:
            @functools.wraps(original)
            def assign(variable: Any, *args: Any, **kwargs: Any) -> Any:
                if not self.gradients and self.hooks.training_depth == 0:
                    with self.facts.guarded(label):
                        if (self.hooks.origins.caller() == SCRIPT
                                and self._model_weight(variable)):
                            self.facts.add("weights_set", f"{label} before any training")
                return original(variable, *args, **kwargs)
            return assign
        return make

    def _model_weight(self, variable: Any) -> bool:
        """Whether ``variable`` is a weight of a Keras model among the script's globals (Keras
        variables and the TensorFlow variables behind them)."""
        model_class = self.hooks.refs.get("Model")
        if model_class is None:
            return False
        models = [v for v in list(self.hooks.namespace().values())[:10_000]
                  if isinstance(v, model_class)]
        return any(weight is variable or getattr(weight, "_value", None) is variable
                   for model in models[:16] for weight in model.weights)

    # -- TensorFlow

    def patch_tensorflow(self, tf: Any) -> None:
        patcher = self.hooks.patcher
        tape = tf.GradientTape
        enter, leave = tape.__enter__, tape.__exit__
        hooks = self

        @functools.wraps(enter)
        def entered(self: Any) -> Any:
            hooks.tapes += 1
            return enter(self)

        @functools.wraps(leave)
        def left(self: Any, *args: Any) -> Any:
            hooks.tapes = max(0, hooks.tapes - 1)
            return leave(self, *args)

        tape.__enter__, tape.__exit__ = entered, left
        self._patch_functions()
        patcher.wrap_method(tf.Variable, "assign", self._assign("tf.Variable.assign"))
        # the variables TensorFlow makes are resource variables, whose classes have their own
        resource = sys.modules.get("tensorflow.python.ops.resource_variable_ops")
        made = getattr(resource, "ResourceVariable", None)
        for owner in made.__mro__ if isinstance(made, type) else ():
            if owner is not tf.Variable and "assign" in owner.__dict__:
                patcher.wrap_method(owner, "assign", self._assign("tf.Variable.assign"))
        gfile = tf.io.gfile
        for name in GFILE_CALLS:
            if hasattr(gfile, name):
                setattr(gfile, name, self._file_op(f"tf.io.gfile.{name}", getattr(gfile, name)))
        compat = getattr(getattr(tf.compat, "v1", None), "gfile", None)
        if compat is not None and compat is not gfile:
            for name in ("GFile", "Open", "Exists", "Glob", "ListDirectory", "Copy", "Remove"):
                if hasattr(compat, name):
                    setattr(compat, name, self._file_op(f"tf.compat.v1.gfile.{name}",
                                                        getattr(compat, name)))
        for name in RAW_FILE_OPS:
            if hasattr(tf.raw_ops, name):
                setattr(tf.raw_ops, name, self._file_op(f"tf.raw_ops.{name}",
                                                        getattr(tf.raw_ops, name)))
        io_ops = ("read_file", "write_file", "matching_files")
        for name in io_ops:
            if hasattr(tf.io, name):
                setattr(tf.io, name, self._file_op(f"tf.io.{name}", getattr(tf.io, name)))

    def _patch_functions(self) -> None:
        """A ``tf.function`` training step (the usual custom loop: a tape and
        ``apply_gradients`` inside a compiled function) sees only symbolic tensors, so its
        batches are compared where it is called eagerly: a compiled function whose call took a
        gradient step or an optimizer update (while tracing it, the first time) is a trainer,
        and every call of a trainer outside fit has its arguments compared. A compiled function
        that only predicts never traces a step and is never compared."""
        module = sys.modules.get(
            "tensorflow.python.eager.polymorphic_function.polymorphic_function")
        function = getattr(module, "Function", None)
        if not isinstance(function, type) or "__call__" not in function.__dict__:
            return
        call = function.__call__
        hooks = self

        @functools.wraps(call)
        def called(compiled: Any, *args: Any, **kwargs: Any) -> Any:
            if hooks.hooks.training_depth:
                return call(compiled, *args, **kwargs)  # fit's own steps: compared at fit
            before = hooks.steps
            result = call(compiled, *args, **kwargs)
            with hooks.facts.guarded("a compiled training step"):
                if hooks.steps != before:
                    hooks.trainers.add(compiled)
                if compiled in hooks.trainers:
                    # a step (late once the evaluation began); the witness starts here, eagerly
                    hooks.training("a compiled training step", None)
                    if not hooks.facts.evaluation_reached:
                        hooks.custom_step([*args, *kwargs.values()])
            return result

        setattr(function, "__call__", called)  # noqa: B010 - a method of TensorFlow's class

    def _file_op(self, label: str, original: Any) -> Any:
        @functools.wraps(original)
        def file_op(*args: Any, **kwargs: Any) -> Any:
            with self.facts.guarded(label):
                if self.hooks.origins.caller() == SCRIPT:
                    target = args[0] if args else next(iter(kwargs.values()), "")
                    self.facts.add("files_opened", f"{label} {_short(target)}")
            return original(*args, **kwargs)
        return file_op


def _eager(value: Any) -> bool:
    try:
        value.numpy() if hasattr(value, "numpy") else value.tobytes()
    except Exception:  # noqa: BLE001 - a symbolic tensor: inside a traced function
        return False
    return True


def _hash(weights: Any) -> str:
    digest = hashlib.sha256()
    try:
        for array in weights:
            digest.update(sys.modules["numpy"].asarray(array).tobytes())
    except Exception:  # noqa: BLE001 - not arrays: a hash no snapshot has
        digest.update(repr(type(weights)).encode())
    return digest.hexdigest()


def _short(value: Any) -> str:
    text = value.numpy() if hasattr(value, "numpy") else value
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    return str(text)[:200]


class WeightRanges:
    """The element-wise range of the weights ``get_weights`` returned, per list of shapes."""

    MAX_KINDS = 64
    TOLERANCE = 1e-5  # float32 rounding of an average computed in float64

    def __init__(self) -> None:
        self.ranges: dict[tuple[tuple[int, ...], ...], tuple[list[Any], list[Any]]] = {}

    def add(self, weights: Any) -> None:
        np = sys.modules["numpy"]
        arrays = [np.asarray(w, dtype=np.float64) for w in weights]
        key = tuple(a.shape for a in arrays)
        known = self.ranges.get(key)
        if known is None:
            if len(self.ranges) < self.MAX_KINDS:
                self.ranges[key] = ([a.copy() for a in arrays], [a.copy() for a in arrays])
            return
        for low, high, array in zip(*known, arrays, strict=True):
            np.minimum(low, array, out=low)
            np.maximum(high, array, out=high)

    def holds(self, weights: Any) -> bool:
        """Whether every value lies within the range of the snapshots of the same shapes."""
        np = sys.modules.get("numpy")
        if np is None:
            return False
        try:
            arrays = [np.asarray(w, dtype=np.float64) for w in weights]
        except (TypeError, ValueError):
            return False
        known = self.ranges.get(tuple(a.shape for a in arrays))
        if known is None or not arrays:
            return False
        slack = self.TOLERANCE
        return all(bool(np.all((array >= low - slack * (1 + np.abs(low)))
                               & (array <= high + slack * (1 + np.abs(high)))))
                   for low, high, array in zip(*known, arrays, strict=True))
