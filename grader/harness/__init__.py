"""The parent's side of the in-child harness: the command that starts it and the facts it reports.

The harness itself is the ``child/`` package beside this file (its entry script and the modules
it loads from its own folder): standard-library-only code that runs inside the sandboxed child,
wraps the student's script and writes a JSON document of facts to a file descriptor the parent
owns. The document's shape, version and bounds are defined once, in ``child/protocol.py``, which
this side imports too. Everything in that document is untrusted (the student's code shares the
process and could have written to the fd), so ``decode_facts`` never raises and clamps every size.
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from grader.harness.child.protocol import (
    FACT_LISTS,
    FACTS_VERSION,
    MAX_COUNT,
    MAX_DOCUMENT_BYTES,
    MAX_ENTRIES,
    MAX_LAYERS,
    MAX_MODELS,
    clip,
)
from grader.records import HarnessFacts, ModelFact

#: the child package: the only grader code a run sees (the sandbox binds this folder read-only)
CHILD_DIR: Path = Path(__file__).resolve().parent / "child"
#: the harness's entry script, in that folder
CHILD_PATH: Path = CHILD_DIR / "__main__.py"


def command(
    *,
    python: str,
    facts_fd: int,
    dataset: str,
    test_names: Sequence[str],
    figure: str | None,
    script: str,
    child: str | os.PathLike[str] = CHILD_PATH,
) -> list[str]:
    """The argv that runs ``script`` under the harness (cwd: the work folder).

    ``facts_fd`` must be open for writing in the child (``pass_fds``) on a regular file the
    parent owns; ``dataset`` is the dataset's file name in the work folder; ``test_names`` are the
    script's globals holding the test set (the first one shaped like images is compared with the
    training rows); with ``figure``, ``plt.show()`` saves the figure to that path. ``child`` is
    where the sandbox makes the entry script visible, when it binds ``CHILD_DIR`` elsewhere.
    """
    for name in test_names:
        if not name.isidentifier():
            raise ValueError(f"not a global's name: {name!r}")
    argv = [python, "-I", os.fspath(child), "--facts-fd", str(facts_fd), "--dataset", dataset,
            "--test-names", ",".join(test_names)]
    if figure is not None:
        argv += ["--figure", figure]
    return [*argv, "--", script]


def decode_facts(data: bytes) -> HarnessFacts | None:
    """The facts in the harness's document, or None when there is no such document.

    The child rewrites the document in place, so a kill mid-write can leave the tail of an older,
    longer one after it: only the first JSON value counts. Lists are cut to their bounds, texts
    shortened, counts clamped; fields of the wrong type read as empty.
    """
    if not data or len(data) > MAX_DOCUMENT_BYTES:
        return None
    try:
        document, _ = json.JSONDecoder().raw_decode(data.decode("utf-8").lstrip())
    except (UnicodeDecodeError, ValueError, RecursionError):
        return None
    if not isinstance(document, dict) or document.get("version") != FACTS_VERSION:
        return None
    lists = {key: _strings(document.get(key)) for key in FACT_LISTS}
    return HarnessFacts(
        models=_models(document.get("models")),
        training_calls=lists["training_calls"],
        weights_loaded=lists["weights_loaded"],
        seed_calls=lists["seed_calls"],
        files_opened=lists["files_opened"],
        sockets=lists["sockets"],
        subprocesses=lists["subprocesses"],
        test_rows_in_training=_count(document.get("test_rows_in_training")) or 0,
        count_params_at_print=_count(document.get("count_params_at_print")),
    )


def _strings(value: Any, limit: int = MAX_ENTRIES) -> tuple[str, ...]:
    if not isinstance(value, list):
        return ()
    return tuple(clip(item) for item in value[:limit] if isinstance(item, str))


def _count(value: Any) -> int | None:
    if isinstance(value, bool) or not isinstance(value, int):
        return None
    return min(max(value, 0), MAX_COUNT)


def _models(value: Any) -> tuple[ModelFact, ...]:
    if not isinstance(value, list):
        return ()
    models = []
    for item in value[:MAX_MODELS]:
        if isinstance(item, dict) and isinstance(item.get("name"), str):
            models.append(ModelFact(
                name=clip(item["name"]),
                layers=_strings(item.get("layers"), MAX_LAYERS),
                params=_count(item.get("params")) or 0,
            ))
    return tuple(models)


__all__ = ["CHILD_DIR", "CHILD_PATH", "FACTS_VERSION", "MAX_DOCUMENT_BYTES", "command",
           "decode_facts"]
