"""The in-child harness: runs a student's script and records facts its printed output could fake.

Run as ``python -I .../child/__main__.py --facts-fd FD --dataset NAME --test-names a,b
[--figure PATH] -- SCRIPT`` with the work folder as the current directory. It installs an audit
hook and lazy wrappers around the RNG, Keras and TensorFlow entry points, runs SCRIPT as
``__main__`` and writes one JSON document of facts (``protocol``) to FD, rewritten whenever a
fact is added so that a crash or a kill mid-training still leaves what was seen. The parent
owns FD (a regular file); it decides what the facts mean.

With ``--split-fd FD --split-call NAME --split-lines L,.. --test-rows A:B --evaluate-at LINE
--exchange-fd FD`` the grader owns the run's split and evaluation (issue 10): the split call
returns the grader's permutation, and an import inserted before the statement at LINE (line
numbers unchanged: the script is compiled from its bytes here, as ``runpy`` would) hands the
model over on the exchange socket before any more student code runs, and only then receives
the real test rows (``trust``, ``checkpoint``, ``channel``).

This file is the entry point; the harness itself lives in the modules beside it (protocol,
facts, origins, files, audit, rows, patching, imports, seeds, datasets, pydataset, keras, weights,
trust, order, channel, checkpoint, core). Like them it
imports only the standard library: the sandbox binds nothing of the grader but this folder, and
the grader package is not importable inside it. It never prints: the script's stdout, stderr (its
traceback) and exit code stay those of a bare run.

The hooks are guardrails, not a boundary (C-level file and process calls bypass them); the
sandbox is the boundary. Everything the harness does on the script's path is wrapped so that a
failure of the harness can never break the script's run.
"""

from __future__ import annotations

import argparse
import ast
import contextlib
import importlib
import importlib.machinery
import importlib.util
import os
import secrets
import sys
import types
from typing import TYPE_CHECKING

__all__ = ["Facts", "Harness", "TestRows", "main"]

#: the package the sibling modules load in, for their relative imports (gone once they are loaded)
PACKAGE = "_grader_harness"
ENTRY_MODULE = "core"  # imports every other sibling


def _load_siblings() -> types.ModuleType:
    """The harness's modules, loaded from this file's folder as a private package.

    ``-I`` leaves this folder off sys.path, and the grader package may not be importable, so the
    siblings are loaded as ``PACKAGE``: a fresh package whose path is this folder and nothing
    else. Once they are loaded, they leave sys.modules (and the folder's finder leaves
    sys.path_importer_cache): the script sees the import state of a bare run, and a module of
    its own can never clash with one of ours.
    """
    here = os.path.dirname(os.path.abspath(__file__))
    spec = importlib.machinery.ModuleSpec(PACKAGE, None, is_package=True)
    spec.submodule_search_locations = [here]
    package = importlib.util.module_from_spec(spec)
    had_finder = here in sys.path_importer_cache
    sys.modules[PACKAGE] = package
    try:
        importlib.import_module(f"{PACKAGE}.{ENTRY_MODULE}")
    finally:
        for name in [n for n in sys.modules if n == PACKAGE or n.startswith(PACKAGE + ".")]:
            del sys.modules[name]
        if not had_finder:
            sys.path_importer_cache.pop(here, None)
    return package


if TYPE_CHECKING:  # what _load_siblings provides, as the type checker sees it
    from .core import Harness
    from .facts import Facts
    from .rows import TestRows
    from .trust import GraderSplit
else:
    _siblings = _load_siblings()
    Facts = _siblings.facts.Facts
    TestRows = _siblings.rows.TestRows
    Harness = _siblings.core.Harness
    GraderSplit = _siblings.trust.GraderSplit


def _script_traceback(tb: types.TracebackType | None, script: str) -> types.TracebackType | None:
    """The traceback from the script's first frame on: what a bare run would print."""
    while tb is not None and tb.tb_frame.f_code.co_filename != script:
        tb = tb.tb_next
    return tb


def _compile(script: str, line: int, checkpoint: str | None) -> types.CodeType:
    """The script's code, with ``import CHECKPOINT; del CHECKPOINT`` before the module-level
    statement at ``line`` (the provided evaluation's first): line numbers, and so tracebacks,
    stay those of the file. The file is read as bytes, so Python's own decoding rules apply."""
    with open(script, "rb") as file:
        source = file.read()
    tree = ast.parse(source, filename=script)
    if checkpoint and line:
        for index, node in enumerate(tree.body):
            if node.lineno == line:
                hook = [ast.Import(names=[ast.alias(name=checkpoint)]),
                        ast.Delete(targets=[ast.Name(id=checkpoint, ctx=ast.Del())])]
                for statement in hook:
                    ast.copy_location(statement, node)
                    ast.fix_missing_locations(statement)
                tree.body[index:index] = hook
                break
    return compile(tree, script, "exec", dont_inherit=True)


def _run(code: types.CodeType, script: str) -> None:
    """Runs ``code`` as ``__main__``, as ``runpy.run_path`` runs a script file."""
    module = types.ModuleType("__main__")
    module.__dict__.update(__file__=script, __cached__=None, __loader__=None, __package__=None,
                           __spec__=None, __builtins__=__builtins__)
    saved = sys.modules.get("__main__")
    sys.modules["__main__"] = module
    try:
        exec(code, module.__dict__)
    finally:
        if saved is not None:
            sys.modules["__main__"] = saved


def _parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="child", description=__doc__.partition("\n")[0])
    parser.add_argument("--facts-fd", type=int, required=True)
    parser.add_argument("--dataset", required=True, help="the dataset's file name, in the cwd")
    parser.add_argument("--test-names", default="", help="globals holding the test set, a,b")
    parser.add_argument("--figure", default=None, help="plt.show() saves the figure here")
    parser.add_argument("--split-fd", type=int, default=-1,
                        help="a file holding the grader's permutation (JSON)")
    parser.add_argument("--split-call", default="", help="the provided split's function")
    parser.add_argument("--split-lines", default="", help="the script's lines that call it")
    parser.add_argument("--test-rows", default=":", help="the permutation's test slice")
    parser.add_argument("--evaluate-at", type=int, default=0,
                        help="the line where the provided evaluation starts")
    parser.add_argument("--exchange-fd", type=int, default=-1,
                        help="the socket the model leaves by and the test rows enter by")
    parser.add_argument("script")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    options = _parse(argv)
    script = os.path.abspath(options.script)
    if not os.path.isfile(script):  # as a bare run reports it
        sys.stderr.write(f"{sys.executable}: can't open file {script!r}: "
                         "[Errno 2] No such file or directory\n")
        sys.exit(2)
    try:
        os.set_inheritable(options.facts_fd, False)  # not for the script's own subprocesses
        fd = options.facts_fd
    except OSError:
        fd = -1
    if options.figure:
        os.environ["MPLBACKEND"] = "Agg"
    facts = Facts(fd)
    split = None
    if options.split_fd >= 0 and options.split_call:
        start, _, stop = options.test_rows.partition(":")
        split = GraderSplit(
            facts=facts, fd=options.split_fd, dataset=options.dataset,
            call=options.split_call, script=script,
            lines=tuple(int(n) for n in options.split_lines.split(",") if n),
            test_slice=(int(start) if start else None, int(stop) if stop else None))
    checkpoint = f"_grader_checkpoint_{secrets.token_hex(8)}" if options.evaluate_at else None
    with contextlib.suppress(OSError):
        if options.exchange_fd >= 0:
            os.set_inheritable(options.exchange_fd, False)
    harness = Harness(facts=facts, script=script, argv0=options.script, dataset=options.dataset,
                      test_names=[n for n in options.test_names.split(",") if n],
                      figure=options.figure, split=split, exchange_fd=options.exchange_fd,
                      checkpoint_name=checkpoint)
    sys.argv = [options.script]
    sys.path.insert(0, os.path.dirname(script))
    harness.install()
    facts.write()
    try:
        code = _compile(script, options.evaluate_at, checkpoint)
    except (SyntaxError, ValueError) as error:  # as a bare run reports it: no traceback
        error.__traceback__ = None
        sys.excepthook(type(error), error, None)
        harness.finish()
        sys.exit(1)
    try:
        _run(code, script)
    except SystemExit:
        harness.finish()
        raise
    except KeyboardInterrupt:
        harness.finish()
        raise
    except BaseException as error:  # noqa: BLE001 - reported exactly as a bare run would
        harness.finish()
        error.__traceback__ = _script_traceback(error.__traceback__, script)
        sys.excepthook(type(error), error, error.__traceback__)
        sys.exit(1)
    harness.finish()


if __name__ == "__main__":
    main()
