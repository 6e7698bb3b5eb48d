"""tf.data pipelines traced back to the tensors they were made from, without iterating them."""

from __future__ import annotations

import contextlib
import functools
import weakref
from collections.abc import Iterator
from typing import Any

from .facts import Facts
from .rows import leaves

MAX_DATASET_SOURCES = 64


class DatasetSources:
    """Remembers the tensors of ``from_tensor_slices``/``from_tensors`` datasets, so that a
    pipeline reaching fit can be traced back to its rows (iterating it could have effects)."""

    def __init__(self, facts: Facts) -> None:
        self.facts = facts
        self.sources: dict[int, tuple[weakref.ref[Any], Any]] = {}  # source dataset -> tensors

    def wrap(self, original: Any) -> Any:
        """A wrapper for a dataset source constructor that remembers its tensors."""
        @functools.wraps(original)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            dataset = original(*args, **kwargs)
            with self.facts.guarded("tf.data source"):
                self._remember(dataset, args[0] if args else kwargs.get("tensors"))
            return dataset
        return wrapper

    def arrays(self, dataset: Any) -> Iterator[Any]:
        """The arrays behind a pipeline: the remembered tensors of the sources it reads."""
        stack: list[Any] = [dataset]
        seen: set[int] = set()
        while stack and len(seen) < 256:
            node = stack.pop()
            if id(node) in seen:
                continue
            seen.add(id(node))
            entry = self.sources.get(id(node))
            if entry is not None and entry[0]() is node:
                yield from leaves(entry[1])
            with contextlib.suppress(Exception):  # not a tf.data dataset after all
                stack.extend(node._inputs())

    def _remember(self, dataset: Any, tensors: Any) -> None:
        if len(self.sources) >= MAX_DATASET_SOURCES:
            self.sources = {k: v for k, v in self.sources.items() if v[0]() is not None}
        if len(self.sources) < MAX_DATASET_SOURCES:
            self.sources[id(dataset)] = (weakref.ref(dataset), tensors)
