"""The harness: builds the hooks, installs them before the script runs, and finishes the run."""

from __future__ import annotations

import contextlib
import functools
import os
import sys
import types
from collections.abc import Callable, Iterator
from typing import Any, NoReturn

from .audit import AuditHook
from .checkpoint import Checkpoint
from .facts import Facts
from .files import FileRules
from .imports import PostImportFinder
from .keras import KerasHooks
from .origins import Origins
from .patching import Patcher
from .rows import TestRows
from .seeds import SeedHooks
from .trust import MODEL_GLOBAL, CheckpointFinder, GraderSplit, Witness

FIGURE_DPI = 80


class Harness:
    """Installs the hooks and wrappers, and turns what they see into facts.

    numpy, TensorFlow, Keras and pyplot are patched right after the script imports them (a meta
    path finder runs the patch after the module's own code), so nothing is imported on the
    script's behalf.
    """

    def __init__(self, *, facts: Facts, script: str, argv0: str, dataset: str,
                 test_names: list[str], figure: str | None, split: GraderSplit | None = None,
                 exchange_fd: int = -1, checkpoint_name: str | None = None) -> None:
        self.facts = facts
        self.figure = figure
        origins = Origins(script)
        self.audit = AuditHook(facts=facts, origins=origins, script=script, argv0=argv0,
                               files=FileRules(script=script, dataset=dataset, figure=figure))
        self.split = split
        self.test_rows = TestRows(facts, test_names, self.namespace,
                                  split.test_images if split is not None else None)
        patcher = Patcher()
        self.seeds = SeedHooks(facts=facts, origins=origins, patcher=patcher)
        self.witness = Witness(facts, split.training_pixels if split is not None else None)
        self.keras = KerasHooks(facts=facts, patcher=patcher, seeds=self.seeds,
                                test_rows=self.test_rows, witness=self.witness,
                                namespace=self.namespace, origins=origins)
        self.patches: dict[str, Callable[[Any], None]] = {
            "numpy.random": self.seeds.patch_numpy, "keras": self.keras.patch_keras,
            "tensorflow": self.keras.patch_tensorflow}
        if split is not None:
            self._chain(split.module, split.patch)
        self.finder: CheckpointFinder | None = None
        if split is not None and checkpoint_name:
            self.finder = CheckpointFinder(checkpoint_name, Checkpoint(
                facts=facts, witness=self.witness, fd=exchange_fd, namespace=self.namespace,
                refs=self.keras.refs, quiet=self.quiet, test_names=test_names))
        if figure:
            self.patches["matplotlib.pyplot"] = self._patch_pyplot
        self.patched: set[str] = set()

    def _chain(self, name: str, patch: Callable[[Any], None]) -> None:
        """Adds ``patch`` to what happens when module ``name`` is imported."""
        before = self.patches.get(name)

        def both(module: Any) -> None:
            if before is not None:
                before(module)
            patch(module)

        self.patches[name] = both

    @contextlib.contextmanager
    def quiet(self) -> Iterator[None]:
        """The harness's own file opens (saving the model) are not the script's facts."""
        self.audit.quiet += 1
        try:
            yield
        finally:
            self.audit.quiet -= 1

    def install(self) -> None:
        if self.finder is not None:
            sys.meta_path.insert(0, self.finder)
        self.seeds.patch_random()
        for name in list(self.patches):
            if name in sys.modules:
                self.patch(name, sys.modules[name])
        sys.meta_path.insert(0, PostImportFinder(self.pending, self.patch))
        original_exit = os._exit

        def _exit(status: int) -> NoReturn:  # os._exit skips every handler: report first
            if os.getpid() == self.facts.pid:
                self.finish()
            original_exit(status)

        os._exit = _exit
        sys.addaudithook(self.audit.on_event)

    def pending(self, name: str) -> bool:
        """Whether module ``name`` is to be patched and is not yet."""
        return name in self.patches and name not in self.patched

    def patch(self, name: str, module: Any) -> None:
        if name in self.patched:
            return
        self.patched.add(name)
        with self.facts.guarded(f"patching {name}"):  # a version we do not know: runs unpatched
            self.patches[name](module)

    def namespace(self) -> dict[str, Any]:
        """The script's globals (empty until it starts)."""
        main_module: types.ModuleType | None = self.audit.main_module
        return vars(main_module) if main_module is not None else {}

    def finish(self) -> None:
        """Reads the printed model's size, then writes the final document and closes the fd.

        What happens after (atexit handlers, threads the interpreter waits for) is not seen.
        """
        if self.facts.finished:
            return
        self.audit.quiet += 1  # Keras may read its config: not the script's doing
        with self.facts.guarded(f"reading {MODEL_GLOBAL}"):
            keras = sys.modules.get("keras")
            model = self.namespace().get(MODEL_GLOBAL)
            if keras is not None and isinstance(model, keras.Model):
                custom = any(not call.startswith("Model.")
                             for call in self.facts.lists["training_calls"])
                if custom and id(model) not in self.facts.models:
                    self.keras.record_model(model)  # a custom loop trained, presumably, this model
                self.facts.count_params_at_print = int(model.count_params())
        self.audit.quiet -= 1
        self.facts.close()

    def _patch_pyplot(self, plt: Any) -> None:
        """plt.show() saves the current figure to the parent's path instead of showing it."""
        path, original, audit = self.figure, plt.show, self.audit

        @functools.wraps(original)
        def show(*args: Any, **kwargs: Any) -> None:
            if not plt.get_fignums():
                return
            audit.quiet += 1
            with self.facts.guarded("saving the figure"):
                plt.gcf().savefig(path, dpi=FIGURE_DPI, format="png")  # path: no extension
            audit.quiet -= 1

        plt.show = show
