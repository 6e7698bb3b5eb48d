"""Replacing library functions and methods with wrappers, everywhere the script can reach them."""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any

#: makes a wrapper from the original function
Make = Callable[[Any], Any]


class Patcher:
    """Puts wrappers in place: module-level functions (and their aliases) and methods."""

    def __init__(self) -> None:
        self.replaced: dict[Any, Any] = {}  # original module-level function -> its wrapper

    def wrap_function(self, original: Any, make: Make) -> None:
        """Replaces a module-level function in its defining module; ``rebind`` does aliases."""
        wrapper = make(original)
        self.replaced[original] = wrapper
        module = sys.modules.get(getattr(original, "__module__", "") or "")
        if module is None:
            return
        name: str = original.__name__
        if getattr(module, name, None) is original:
            setattr(module, name, wrapper)

    @staticmethod
    def wrap_method(klass: type, name: str, make: Make) -> None:
        """Replaces a method where it is defined, so that every subclass sees the wrapper."""
        for owner in klass.__mro__:
            raw = owner.__dict__.get(name)
            if raw is None:
                continue
            if isinstance(raw, (classmethod, staticmethod)):
                setattr(owner, name, type(raw)(make(raw.__func__)))
            else:
                setattr(owner, name, make(raw))
            return

    def rebind(self, prefixes: tuple[str, ...]) -> None:
        """Points every alias of a replaced function in loaded modules at its wrapper."""
        table = self.replaced
        kinds = {type(k) for k in table}
        for name, module in list(sys.modules.items()):
            namespace = getattr(module, "__dict__", None) if name.startswith(prefixes) else None
            if isinstance(namespace, dict):
                for attr, value in list(namespace.items()):
                    if type(value) in kinds and value in table:
                        namespace[attr] = table[value]
