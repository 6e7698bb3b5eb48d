"""``test_data.use``: the test set may play no part outside the provided code.

The provided code binds the test set to names (``ctx.original.test_names``, derived from the
original by data flow: ``test_x``, ``test_y``) and reads them only in its final evaluation. Any
other appearance of those names — read, rebound or deleted, in ``fit``, ``validation_data``, a
callback, a scaler fitted on them, or a plain reference — is a violation; so is reaching them
indirectly through ``globals()["test_x"]``, ``vars()``, ``locals()`` or the script's module
(``sys.modules[__name__].test_x``, ``import __main__``).

Reading the dataset again outside the provided code is allowed by ``sandbox.file`` but gives the
script every row, the test rows among them, past the provided split and its ``del``: a warning,
not a violation, since reading is not training on them (the run-time harness checks that no test
image reaches training, and decides).

A provided line the student edited (``protected.modified`` reports it) is not reported again for
the test-set names it always read; code inserted into a provided region is.

Attributes that happen to share the name (``self.test_x``, ``data.test_x``) are other objects'
fields, not the module's test set, and are not reported; nor are names that merely contain it
(``test_xs_count``). A function's own variable that shares the name (a helper
``def error_rate(model, test_x, test_y)``, a comprehension's ``for test_x in ...``) is not the
test set either: scopes are followed as Python follows them (:mod:`grader.pysource.scopes`), so
only a caller that passes the test set in is reported, where it passes it.
"""

from __future__ import annotations

import ast
import logging
from collections.abc import Iterator

from grader.checks.base import TaskContext
from grader.checks.static.common import Hit, LineCheck, code
from grader.checks.static.files import dataset_reads
from grader.diff.align import align_provided
from grader.ids import CheckId
from grader.pysource.qualnames import SCRIPT_MODULE, SCRIPT_NAMESPACES
from grader.pysource.scan import Scan
from grader.pysource.scopes import local_uses
from grader.records import Finding, Severity

log = logging.getLogger(__name__)


class TestDataUse(LineCheck):
    __test__ = False  # not a pytest test class, whatever its name
    id = CheckId.TEST_DATA_USE

    def message(self, found: str) -> str:
        return (
            f"uses the test set outside the provided code: {found}. The test set must play no "
            "part in training; only the provided evaluation may read it"
        )

    def check(self, ctx: TaskContext) -> Iterator[Finding]:
        yield from super().check(ctx)
        yield from self._dataset_reread(ctx)

    def _dataset_reread(self, ctx: TaskContext) -> Iterator[Finding]:
        """A warning for each line outside the provided code that reads the dataset again."""
        dataset = ctx.original.dataset_name
        lines = {site.line for site in dataset_reads(ctx.scan, dataset)}
        lines -= ctx.provided_lines
        if lines:
            lines -= _modified_provided_lines(ctx)  # an edited provided read: protected.modified
        test_names = ", ".join(sorted(ctx.original.test_names))
        for line in sorted(lines):
            yield self.finding(
                f"reads {dataset} again outside the provided code: it holds the test rows "
                f"({test_names}) too. Learn only from the provided training split; the graded "
                "runs check that no test image reaches training",
                file=ctx.file.name,
                line=line,
                severity=Severity.WARNING,
            )

    def hits(self, ctx: TaskContext, scan: Scan) -> Iterator[Hit]:
        names = ctx.original.test_names
        found = [name for name in scan.names if name.id in names]
        if any(name.lineno not in ctx.provided_lines for name in found):
            retyped = _modified_provided_lines(ctx)
            local = local_uses(ctx.tree, frozenset(names))  # a helper's own parameter test_x
            for name in found:
                if name.lineno not in retyped and id(name) not in local:
                    yield name.lineno, f"`{name.id}`"
        resolver = scan.resolver
        for site in scan.calls:  # globals().get("test_x"), vars().__getitem__("test_x") ...
            if (
                site.method in ("get", "__getitem__", "pop", "setdefault")
                and isinstance(site.node.func, ast.Attribute)
                and _namespace(site.node.func.value, scan)
                and site.node.args
                and resolver.string(site.node.args[0]) in names
            ):
                yield site.line, code(site.node)
        for qualname, references in scan.loads.items():  # globals()["test_x"], __main__.test_x
            module, _, attribute = qualname.rpartition(".")
            if module == SCRIPT_MODULE and attribute in names:
                for reference in references:
                    yield reference.line, code(reference.node)
        for target in scan.subscript_targets:  # globals()["test_x"] = ...
            if resolver.resolve(target) in {f"{SCRIPT_MODULE}.{name}" for name in names}:
                yield target.lineno, code(target)


def _namespace(node: ast.expr, scan: Scan) -> bool:
    """``globals()``, ``vars()`` or ``locals()`` (or a name bound to one)."""
    return scan.resolver.resolve(node) in SCRIPT_NAMESPACES


def _modified_provided_lines(ctx: TaskContext) -> frozenset[int]:
    """Lines where the student changed provided code (rather than inserted new code into it).

    The provided evaluation reads the test set by design; when a student edits such a line,
    ``protected.modified`` reports it, and a second finding for the test-set name the provided
    line always had would only repeat it. Inserted lines are not exempt: they are student code.
    The alignment is the one the orchestrator already computed (it is cached).
    """
    try:
        alignment = align_provided(ctx.original, ctx.file.text or "", ctx.tree)
    except Exception:  # the diff stage reports an alignment failure; here, exempt nothing
        log.debug("no alignment for %s", ctx.file.path, exc_info=True)
        return frozenset()
    return frozenset(
        line
        for match in alignment.matches
        for change in match.changes
        if change.original is not None and change.submission is not None
        for line in range(change.submission[0], change.submission[1] + 1)
    )
