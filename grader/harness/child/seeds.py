"""Seeding hooks: the standard library's, numpy's and (through ``seed``) TensorFlow's and Keras'.

Seeding counts only when the first caller outside the standard library is the script: Keras
seeding its own generators is not the student's doing.
"""

from __future__ import annotations

import functools
import random
from typing import Any

from .facts import Facts
from .origins import SCRIPT, Origins
from .patching import Make, Patcher


class SeedHooks:
    """Wrappers that record a seed the script set, by the label of the call that set it."""

    def __init__(self, *, facts: Facts, origins: Origins, patcher: Patcher) -> None:
        self.facts = facts
        self.origins = origins
        self.patcher = patcher

    def seed(self, label: str, position: int = 0, param: str = "seed",
             always: bool = False) -> Make:
        """A wrapper maker for a seeding function whose seed is argument ``position``/``param``
        (``always``: the call itself seeds, whatever its arguments)."""
        def make(original: Any) -> Any:
            @functools.wraps(original)
            def wrapper(*args: Any, **kwargs: Any) -> Any:
                self.seen(label, args, kwargs, position, param, always)
                return original(*args, **kwargs)
            return wrapper
        return make

    def seen(self, label: str, args: tuple[Any, ...], kwargs: dict[str, Any],
             position: int, param: str, always: bool = False) -> None:
        with self.facts.guarded(label):
            value = args[position] if len(args) > position else kwargs.get(param)
            if (always or value is not None) and self.origins.caller() == SCRIPT:
                self.facts.add("seed_calls", label)

    def seeded_class(self, base: type, label: str, param: str) -> type:
        """A stand-in for an RNG class: calling it records a seed and returns a genuine ``base``
        instance (so pickling and type checks are unchanged); subclassing it still works."""
        hooks = self

        class _Meta(type):
            def __call__(cls, *args: Any, **kwargs: Any) -> Any:
                if cls is not stand_in:
                    return super().__call__(*args, **kwargs)
                hooks.seen(label, args, kwargs, 0, param)
                return base(*args, **kwargs)

            def __instancecheck__(cls, obj: Any) -> bool:
                if cls is stand_in:
                    return isinstance(obj, base)
                return type.__instancecheck__(cls, obj)

            def __subclasscheck__(cls, sub: type) -> bool:
                if cls is stand_in:
                    return issubclass(sub, base)
                return type.__subclasscheck__(cls, sub)

        stand_in = _Meta(base.__name__, (base,), {
            "__module__": base.__module__, "__qualname__": base.__qualname__,
            "__doc__": base.__doc__})
        return stand_in

    def patch_random(self) -> None:
        """``random.Random.seed`` (and ``random.seed``, the shared instance's bound method)."""
        shared = getattr(random, "_inst", None)

        def make(original: Any) -> Any:
            @functools.wraps(original)
            def seed(rng: Any, *args: Any, **kwargs: Any) -> Any:
                label = "random.seed" if rng is shared else "random.Random.seed"
                self.seen(label, args, kwargs, 0, "a")
                return original(rng, *args, **kwargs)
            return seed

        self.patcher.wrap_method(random.Random, "seed", make)
        if shared is not None:
            random.seed = shared.seed

    def patch_numpy(self, module: Any) -> None:
        """``numpy.random``: its seeding functions and its generator classes."""
        for name in ("seed", "default_rng"):
            self.patcher.wrap_function(getattr(module, name), self.seed(f"numpy.random.{name}"))
        for name in ("RandomState", "MT19937", "PCG64", "PCG64DXSM", "Philox", "SFC64",
                     "SeedSequence"):
            base = getattr(module, name, None)
            if isinstance(base, type):
                param = "entropy" if name == "SeedSequence" else "seed"
                setattr(module, name, self.seeded_class(base, f"numpy.random.{name}", param))
        self.patcher.rebind(("numpy.random",))
