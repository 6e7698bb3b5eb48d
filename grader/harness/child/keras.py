"""The TensorFlow and Keras hooks: training calls, the models trained, weights loaded, seeds.

A training call (fit, train_on_batch, an optimizer step or variables' gradients outside fit)
records the model and compares the rows it was given with the test set.
"""

from __future__ import annotations

import contextlib
import functools
import os
import sys
import types
from typing import Any

from .datasets import DatasetSources
from .facts import Facts
from .origins import Origins
from .patching import Make, Patcher
from .protocol import MAX_LAYERS
from .pydataset import PyDatasetHooks
from .rows import TestRows, leaves
from .seeds import SeedHooks
from .trust import Witness
from .weights import TrustHooks

KERAS_PACKAGES = ("keras", "tensorflow", "tf_keras")


class KerasHooks:
    """Patches TensorFlow and Keras once the script has imported them."""

    def __init__(self, *, facts: Facts, patcher: Patcher, seeds: SeedHooks,
                 test_rows: TestRows, witness: Witness, namespace: Any, origins: Origins) -> None:
        self.facts = facts
        self.patcher = patcher
        self.seeds = seeds
        self.test_rows = test_rows
        self.witness = witness
        self.namespace = namespace
        self.origins = origins
        #: Keras's own functions, taken when Keras was imported (before student code ran on)
        self.refs: dict[str, Any] = {}
        self.trust = TrustHooks(self)
        self.datasets = DatasetSources(facts)
        self.pydatasets = PyDatasetHooks(self)
        self.training_depth = 0  # > 0 inside fit/train_on_batch/an optimizer step
        self.loading_depth = 0

    def patch_tensorflow(self, tf: Any) -> None:
        patcher, seed = self.patcher, self.seeds.seed
        set_random_seed = getattr(sys.modules.get(tf.random.set_seed.__module__),
                                  "set_random_seed", None)  # TF1's, beside set_seed
        patcher.wrap_function(tf.random.set_seed, seed("tf.random.set_seed"))
        if set_random_seed is not None:
            patcher.wrap_function(set_random_seed, seed("tf.compat.v1.set_random_seed"))
        patcher.wrap_function(tf.config.experimental.enable_op_determinism,
                              seed("tf.config.experimental.enable_op_determinism", always=True))
        patcher.wrap_method(tf.random.Generator, "from_seed",
                            seed("tf.random.Generator.from_seed", always=True))
        patcher.wrap_function(tf.saved_model.load,
                              self._loader("tf.saved_model.load", 0, "export_dir"))
        for name in ("restore", "read"):
            patcher.wrap_method(tf.train.Checkpoint, name,
                                self._loader(f"tf.train.Checkpoint.{name}", 1, "save_path"))
        patcher.wrap_method(tf.GradientTape, "gradient", self._tape_gradient)
        self.trust.patch_tensorflow(tf)
        for name in ("from_tensor_slices", "from_tensors"):
            patcher.wrap_method(tf.data.Dataset, name, self.datasets.wrap)
        patcher.wrap_method(tf.data.Dataset, "from_generator", self.trust.from_generator)
        patcher.rebind(("tensorflow", "keras", "tf_keras"))

    def patch_keras(self, keras: Any) -> None:
        patcher, model = self.patcher, keras.Model
        self.refs.update(Model=model, get_weights=model.get_weights, set_weights=model.set_weights,
                         predict=model.predict, count_params=model.count_params,
                         save_model=keras.saving.save_model)
        self.trust.patch_keras(keras)
        self.pydatasets.patch_keras(keras)
        patcher.wrap_method(model, "fit",
                            self._trainer("Model.fit", ((0, "x"), (7, "validation_data"))))
        patcher.wrap_method(model, "train_on_batch",
                            self._trainer("Model.train_on_batch", ((0, "x"),)))
        patcher.wrap_method(model, "load_weights",
                            self._loader("Model.load_weights", 1, "filepath"))
        for owner in keras.optimizers.Optimizer.__mro__:
            for name in ("apply_gradients", "apply"):
                if name in owner.__dict__:
                    patcher.wrap_method(owner, name, self._optimizer_step(f"Optimizer.{name}"))
        patcher.wrap_function(keras.saving.load_model,
                              self._loader("keras.models.load_model", 0, "filepath"))
        if hasattr(keras.saving, "load_weights"):
            patcher.wrap_function(keras.saving.load_weights,
                                  self._loader("keras.saving.load_weights", 1, "filepath"))
        patcher.wrap_function(keras.utils.get_file, self._download)
        patcher.wrap_function(keras.utils.set_random_seed,
                              self.seeds.seed("keras.utils.set_random_seed"))
        patcher.rebind(("keras", "tensorflow", "tf_keras"))

    def record_model(self, model: Any) -> None:
        """The model's name, layers and (once built) parameter count, as a fact."""
        params: int | None = None  # not built yet
        with contextlib.suppress(Exception):
            params = int(model.count_params())
        name = getattr(model, "name", None) or type(model).__name__
        self.facts.set_model(id(model), str(name), layer_names(model), params)

    # -- training

    def _trainer(self, label: str, inputs: tuple[tuple[int, str], ...]) -> Make:
        """fit/train_on_batch: a training call, the model, and the rows it was given."""
        def make(original: Any) -> Any:
            @functools.wraps(original)
            def wrapper(model: Any, *args: Any, **kwargs: Any) -> Any:
                outer = self.training_depth == 0
                if outer:
                    with self.facts.guarded(label):
                        self._training_started(label, model, [
                            args[i] if len(args) > i else kwargs.get(name) for i, name in inputs])
                    args, kwargs = self.trust.checked_generators(args, kwargs)
                self.training_depth += 1
                try:
                    return original(model, *args, **kwargs)
                finally:
                    self.training_depth -= 1
                    if outer:
                        with self.facts.guarded(label):
                            self.record_model(model)
            return wrapper
        return make

    def _optimizer_step(self, label: str) -> Make:
        """An optimizer step outside fit: a custom gradient-descent loop."""
        def make(original: Any) -> Any:
            @functools.wraps(original)
            def wrapper(*args: Any, **kwargs: Any) -> Any:
                if self.training_depth == 0:
                    self.facts.add("training_calls", label)
                    with self.facts.guarded(label):
                        self.trust.training(label, None)
                self.training_depth += 1
                try:
                    return original(*args, **kwargs)
                finally:
                    self.training_depth -= 1
            return wrapper
        return make

    def _tape_gradient(self, original: Any) -> Any:
        """Gradients with respect to variables (not to watched inputs, as the provided
        sensitivity analysis takes them) outside fit: a hand-written descent step."""
        @functools.wraps(original)
        def gradient(tape: Any, target: Any, sources: Any, *args: Any, **kwargs: Any) -> Any:
            if self.training_depth == 0:
                with self.facts.guarded("GradientTape.gradient"):
                    self._tape_seen(sources)
            return original(tape, target, sources, *args, **kwargs)
        return gradient

    def _tape_seen(self, sources: Any) -> None:
        kinds = tuple(k for k in (getattr(sys.modules.get("tensorflow"), "Variable", None),
                                  getattr(sys.modules.get("keras"), "Variable", None))
                      if isinstance(k, type))
        flat = sources if isinstance(sources, (list, tuple)) else [sources]
        if kinds and any(isinstance(s, kinds) for s in flat[:1000]):
            self.facts.add("training_calls", "GradientTape.gradient")
            self.trust.training("GradientTape.gradient", None)

    def _training_started(self, label: str, model: Any, values: list[Any]) -> None:
        self.facts.add("training_calls", label)
        self.trust.training(label, model)
        self.record_model(model)
        arrays: list[Any] = []
        for position, value in enumerate(values):
            if hasattr(value, "_inputs") and hasattr(value, "element_spec"):
                found = list(self.datasets.arrays(value))
                if position == 0:
                    self.witness.dataset_seen(value)
            else:
                found = list(leaves(value))
            if position == 0:  # x: the rows training takes, in their order
                self.witness.rows_seen(found)
            arrays.extend(found)
        if arrays:
            self.test_rows.check(arrays)

    # -- loading

    def _loader(self, label: str, position: int, param: str) -> Make:
        def make(original: Any) -> Any:
            @functools.wraps(original)
            def wrapper(*args: Any, **kwargs: Any) -> Any:
                self.loading_depth += 1
                try:
                    result = original(*args, **kwargs)
                finally:
                    self.loading_depth -= 1
                if self.loading_depth == 0:  # the loads it made itself are the same load
                    with self.facts.guarded(label):
                        source = args[position] if len(args) > position else kwargs.get(param)
                        self.facts.add("weights_loaded", f"{label}({_name_of(source)})")
                return result
            return wrapper
        return make

    def _download(self, original: Any) -> Any:
        @functools.wraps(original)
        def get_file(*args: Any, **kwargs: Any) -> Any:
            result = original(*args, **kwargs)
            with self.facts.guarded("get_file"):
                fname = args[0] if args else kwargs.get("fname")
                origin = args[1] if len(args) > 1 else kwargs.get("origin")
                if _called_from("applications"):
                    self.facts.add("weights_loaded",
                                   f"keras.applications weights ({_name_of(fname or origin)})")
                else:
                    self.facts.add("files_opened", f"download {origin or fname}")
            return result
        return get_file


def layer_names(model: Any) -> list[str]:
    """Class names of the model and every layer inside it (submodels, wrappers, RNN cells).

    A class the script defined is reported as the Keras class it extends, plus a note of its own
    name: a subclass of Dense named "Conv2D" must not pass for a convolution.
    """
    try:
        layers = list(model._flatten_layers(include_self=True, recursive=True))
    except (AttributeError, TypeError):  # not Keras 3: the top-level layers only
        layers = [model, *getattr(model, "layers", [])]
    names: list[str] = []
    for layer in layers[:MAX_LAYERS]:
        cls = type(layer)
        base = next((c for c in cls.__mro__ if _library_class(c)), object)
        names.append(base.__name__)
        if base is not cls:
            names.append(f"{cls.__name__} (subclass of {base.__name__})")
    return names


def _library_class(cls: type) -> bool:
    return cls.__module__.partition(".")[0] in KERAS_PACKAGES


def _name_of(source: Any) -> str:
    if isinstance(source, (str, bytes, os.PathLike)):
        return os.path.basename(os.fsdecode(os.fspath(source)))
    return type(source).__name__


def _called_from(package: str) -> bool:
    """Whether Keras' ``package`` (e.g. applications) is on the current call stack."""
    needle = os.sep + os.path.join("keras", "src", package) + os.sep
    frame: types.FrameType | None = sys._getframe(1)
    while frame is not None:
        if needle in frame.f_code.co_filename:
            return True
        frame = frame.f_back
    return False

