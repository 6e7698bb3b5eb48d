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
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from grader.harness.child.protocol import (
    DELIVERY_VERSION,
    FACT_LISTS,
    FACTS_VERSION,
    MAX_COUNT,
    MAX_DOCUMENT_BYTES,
    MAX_ENTRIES,
    MAX_FINGERPRINTS,
    MAX_HEADER_BYTES,
    MAX_INPUTS_BYTES,
    MAX_LAYERS,
    MAX_MODEL_BYTES,
    MAX_MODELS,
    clip,
)
from grader.records import HarnessFacts, ModelFact, RunTrust

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
    trust: RunTrust | None = None,
    split_fd: int | None = None,
    exchange_fd: int | None = None,
) -> list[str]:
    """The argv that runs ``script`` under the harness (cwd: the work folder).

    ``facts_fd`` must be open for writing in the child (``pass_fds``) on a regular file the
    parent owns; ``dataset`` is the dataset's file name in the work folder; ``test_names`` are the
    script's globals holding the test set (the first one shaped like images is compared with the
    training rows); with ``figure``, ``plt.show()`` saves the figure to that path. ``child`` is
    where the sandbox makes the entry script visible, when it binds ``CHILD_DIR`` elsewhere.
    With ``trust``, ``split_fd`` (a memory file holding the grader's permutation as a JSON list,
    which the child reads and closes before the script starts) and ``exchange_fd`` (the child's
    end of a socket pair: the model leaves by it when the provided evaluation starts, and the
    real test rows enter by it; ``grader.run.exchange``), the grader owns the run's split and
    evaluation.
    """
    for name in test_names:
        if not name.isidentifier():
            raise ValueError(f"not a global's name: {name!r}")
    argv = [python, "-I", os.fspath(child), "--facts-fd", str(facts_fd), "--dataset", dataset,
            "--test-names", ",".join(test_names)]
    if figure is not None:
        argv += ["--figure", figure]
    if trust is not None and split_fd is not None and exchange_fd is not None:
        start = "" if trust.test_start is None else str(trust.test_start)
        stop = "" if trust.test_stop is None else str(trust.test_stop)
        argv += ["--split-fd", str(split_fd), "--split-call", trust.split_call,
                 "--split-lines", ",".join(map(str, trust.split_lines)),
                 "--test-rows", f"{start}:{stop}", "--evaluate-at", str(trust.evaluate_line),
                 "--exchange-fd", str(exchange_fd)]
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
        evaluation_reached=document.get("evaluation_reached") is True,
        split_applied=document.get("split_applied") is True,
        fingerprints=_fingerprints(document.get("fingerprints")),
        weights_changed=_flag(document.get("weights_changed")),
        layer_changes=_layer_changes(document.get("layer_changes")),
        weights_set=lists["weights_set"],
        late_training=lists["late_training"],
    )


def _flag(value: Any) -> bool | None:
    return value if isinstance(value, bool) else None


def _fingerprints(value: Any) -> tuple[tuple[str, str], ...]:
    if not isinstance(value, dict):
        return ()
    pairs = [(clip(k), clip(v)) for k, v in list(value.items())[:MAX_FINGERPRINTS]
             if isinstance(k, str) and isinstance(v, str)]
    return tuple(pairs)


def _layer_changes(value: Any) -> tuple[tuple[str, bool], ...]:
    if not isinstance(value, list):
        return ()
    return tuple((clip(item[0]), item[1]) for item in value[:MAX_LAYERS]
                 if isinstance(item, list) and len(item) == 2 and isinstance(item[0], str)
                 and isinstance(item[1], bool))


@dataclass(frozen=True)
class Delivery:
    """What the child sent over the exchange when the provided evaluation started (all of it
    untrusted; ``grader.run.exchange``).

    ``model`` is the model in Keras's format (None: it could not be saved); ``inputs`` the
    ``.npy`` of the script's ``transform`` applied to the grader's test rows; ``predictions``
    and ``params`` the harness's in-process evaluation.
    """

    model: bytes | None
    inputs: bytes | None
    predictions: tuple[int, ...] | None
    params: int | None
    note: str


def decode_delivery(data: bytes) -> Delivery | None:
    """The delivery's parts, or None when there is none or it is malformed (never raises)."""
    header_bytes, newline, rest = data[:MAX_HEADER_BYTES + 1].partition(b"\n")
    if not newline:
        return None
    try:
        header = json.loads(header_bytes.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        return None
    if not isinstance(header, dict) or header.get("version") != DELIVERY_VERSION:
        return None
    body = data[len(header_bytes) + 1:]
    sizes = header.get("sizes")
    if not isinstance(sizes, list) or not all(_count(s) == s for s in sizes):
        return None
    blobs, offset = [], 0
    for size in sizes[:2]:
        blobs.append(body[offset:offset + size])
        offset += size
    model = blobs.pop(0) if header.get("model") is True and blobs else None
    inputs = blobs.pop(0) if header.get("inputs") is True and blobs else None
    predictions = header.get("predictions")
    if not (isinstance(predictions, list) and len(predictions) <= MAX_COUNT
            and all(isinstance(p, int) and not isinstance(p, bool) for p in predictions)):
        predictions = None
    note = header.get("note") or header.get("save_error") or ""
    return Delivery(
        model=model if model and len(model) <= MAX_MODEL_BYTES else None,
        inputs=inputs if inputs and len(inputs) <= MAX_INPUTS_BYTES else None,
        predictions=tuple(predictions) if predictions is not None else None,
        params=_count(header.get("params")),
        note=clip(note) if isinstance(note, str) else "",
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


__all__ = ["CHILD_DIR", "CHILD_PATH", "FACTS_VERSION", "MAX_DOCUMENT_BYTES", "Delivery", "command",
           "decode_delivery", "decode_facts"]
