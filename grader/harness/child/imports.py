"""Patching a module right after the script imports it, so that nothing is imported for it."""

from __future__ import annotations

import contextlib
import sys
import types
from collections.abc import Callable
from typing import Any


class PostImportFinder:
    """Finds a patched module with the other finders, then runs its patch after its code.

    ``pending(name)`` says whether ``name`` still awaits its patch; ``patch(name, module)``
    applies it. Goes first on ``sys.meta_path``.
    """

    def __init__(self, pending: Callable[[str], bool],
                 patch: Callable[[str, types.ModuleType], None]) -> None:
        self.pending = pending
        self.patch = patch
        self.busy: set[str] = set()

    def find_spec(self, name: str, path: Any, target: Any = None) -> Any:
        if not self.pending(name) or name in self.busy:
            return None
        self.busy.add(name)
        try:
            spec = next((s for f in sys.meta_path if f is not self and hasattr(f, "find_spec")
                         for s in [f.find_spec(name, path, target)] if s is not None), None)
        finally:
            self.busy.discard(name)
        loader = getattr(spec, "loader", None)
        exec_module = getattr(loader, "exec_module", None)
        if loader is None or exec_module is None:
            return spec
        patch = self.patch

        def exec_and_patch(module: types.ModuleType) -> None:
            try:
                exec_module(module)
            finally:
                vars(loader).pop("exec_module", None)
            patch(name, module)

        with contextlib.suppress(AttributeError, TypeError):  # a loader that takes no attributes
            loader.exec_module = exec_and_patch
        return spec
