"""The batches of a ``keras.utils.PyDataset`` (``keras.utils.Sequence`` is its alias in Keras 3),
compared with the test rows while fit trains or validates on them.

A PyDataset's batches come from its own ``__getitem__``, which fit calls through Keras's
``PyDatasetAdapter``: in the main process, in a thread pool (``workers``) or in forked worker
processes (``use_multiprocessing``). Whichever made it, every batch passes through the adapter's
``_standardize_batch`` in the main process before Keras turns it into tensors, whatever the
backend; that one method is wrapped, once, when Keras is imported. Batches are compared only
while fit runs (the training batches and the validation ones): predicting or evaluating on a
PyDataset is not training. The inputs also go to the order witness (``order``), which takes the
first rows training receives: fit asks for its training batches before any validation one.
"""

from __future__ import annotations

import functools
import sys
from typing import TYPE_CHECKING, Any

from .rows import leaves

if TYPE_CHECKING:
    from .keras import KerasHooks

#: where Keras 3 defines PyDataset and its adapter (keras/src/trainers/data_adapters/)
ADAPTER_MODULE = "keras.src.trainers.data_adapters.py_dataset_adapter"
ADAPTER_CLASS = "PyDatasetAdapter"
HOOKED_METHOD = "_standardize_batch"  # (adapter, batch) -> batch, for every batch it yields


class PyDatasetHooks:
    """Wraps the adapter's per-batch method; shares the Keras hooks' facts and test rows."""

    def __init__(self, hooks: KerasHooks) -> None:
        self.hooks = hooks
        self.adapter: type | None = None  # Keras's PyDatasetAdapter, once wrapped

    def patch_keras(self, keras: Any) -> None:
        """Wraps the adapter Keras loaded with itself; another Keras runs unwrapped, with a
        note saying so (its PyDatasets' batches are then compared by the generator hooks, if
        it feeds them to fit through ``tf.data.Dataset.from_generator``)."""
        del keras  # the adapter's module is Keras's own, loaded with it
        facts = self.hooks.facts
        with facts.guarded("patching PyDataset"):
            adapter = getattr(sys.modules.get(ADAPTER_MODULE), ADAPTER_CLASS, None)
            if not isinstance(adapter, type) or not callable(vars(adapter).get(HOOKED_METHOD)):
                facts.add("notes", f"PyDataset batches not compared: no {ADAPTER_CLASS}."
                                   f"{HOOKED_METHOD} in this Keras")
                return
            self.hooks.patcher.wrap_method(adapter, HOOKED_METHOD, self._standardize_batch)
            self.adapter = adapter

    def owns(self, generator: Any) -> bool:
        """Whether ``generator`` is the bound method of a Keras PyDataset adapter (its own
        class, not a subclass that might not pass its batches through the wrapped method):
        ``tf.data.Dataset.from_generator`` then leaves the comparison to this module, which
        knows whether fit or predict is reading it."""
        return self.adapter is not None and type(getattr(generator, "__self__", None)) is \
            self.adapter and HOOKED_METHOD not in vars(generator.__self__)

    def _standardize_batch(self, original: Any) -> Any:
        hooks = self.hooks

        @functools.wraps(original)
        def standardize_batch(adapter: Any, batch: Any, *args: Any, **kwargs: Any) -> Any:
            if hooks.training_depth > 0:  # inside fit: its training or validation batches
                with hooks.facts.guarded("a PyDataset's batch"):
                    inputs = list(leaves(batch[0] if isinstance(batch, (tuple, list)) and batch
                                         else batch))
                    hooks.witness.rows_seen(inputs)  # the first training rows, in order
                    hooks.test_rows.check(inputs)
            return original(adapter, batch, *args, **kwargs)
        return standardize_batch
