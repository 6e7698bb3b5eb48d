"""The facts document, defined once for both sides: the child writes it, the parent decodes it.

The child (``facts.py``) writes one JSON object of this shape to the parent's file descriptor;
the parent (``grader/harness/__init__.py``) imports this module to read it, so the version, the
bounds and the names cannot drift apart. Standard library only: it is loaded inside the
student's process too. The parent treats every document as untrusted (the student's code shares
the process and could write to the fd) and clamps to these same bounds.
"""

from __future__ import annotations

from typing import TypedDict

#: bumped whenever the document's shape or meaning changes; a run stored under another harness
#: version is made again
FACTS_VERSION = 2
MAX_ENTRIES = 64  # per list of facts
MAX_TEXT = 300  # characters per entry
MAX_MODELS = 16
MAX_LAYERS = 256  # layer names per model
MAX_COUNT = 10**12  # more parameters or rows than any real model or dataset here

#: the document's lists of strings that are facts of the run, in the order they are written
FACT_LISTS = ("training_calls", "weights_loaded", "seed_calls", "files_opened", "sockets",
              "subprocesses", "weights_set", "late_training")
#: the harness's own failures (a hook that broke), for a reader of the raw document only
NOTES = "notes"

#: the most texts a document holds: every list full, every model with every layer named
MAX_FINGERPRINTS = 16
MAX_TEXTS = ((len(FACT_LISTS) + 1) * MAX_ENTRIES + MAX_MODELS * (MAX_LAYERS + 1) + MAX_LAYERS
             + 2 * MAX_FINGERPRINTS)
#: the largest document the child can write: every text at its bound, each character escaped as
#: a surrogate pair (12 bytes: ``json.dumps`` keeps to ASCII), with its quotes and comma, plus
#: room for the keys and numbers; the parent reads no more. Names are the script's to choose (a
#: layer class's), so a smaller bound would let a script make its own facts unreadable.
MAX_DOCUMENT_BYTES = MAX_TEXTS * (MAX_TEXT * 12 + 3) + (1 << 16)


class ModelEntry(TypedDict):
    """A Keras model the child saw: its name, its layers' class names, its parameter count."""

    name: str
    layers: list[str]
    params: int


class Document(TypedDict):
    """The whole document, keys in the order the child writes them."""

    version: int
    models: list[ModelEntry]
    training_calls: list[str]
    weights_loaded: list[str]
    seed_calls: list[str]
    files_opened: list[str]
    sockets: list[str]
    subprocesses: list[str]
    notes: list[str]
    test_rows_in_training: int  # distinct test rows that reached training
    count_params_at_print: int | None  # the model's size when the script printed it
    finished: bool  # the script ended (the document is complete)
    weights_set: list[str]  # weights assigned other than by training
    late_training: list[str]  # training after the provided evaluation started
    evaluation_reached: bool  # the provided evaluation started: the model was taken
    split_applied: bool  # the provided split drew the grader's permutation
    fingerprints: dict[str, str]  # what randomness produced when training started
    weights_changed: bool | None  # training changed the evaluated model's weights
    layer_changes: list[list[object]]  # [class name, changed] per layer with weights


#: the child's messages on the exchange (``--exchange-fd``): one header line of JSON, then the
#: blobs it announces
DELIVERY_VERSION = 1
MAX_MODEL_BYTES = 64 << 20  # a 1,000,000-parameter model is about 4 MB
MAX_INPUTS_BYTES = 64 << 20
MAX_HEADER_BYTES = 1 << 20


def clip(text: object) -> str:
    """``text`` as a string of at most ``MAX_TEXT`` characters (both sides shorten alike)."""
    value = str(text)
    return value if len(value) <= MAX_TEXT else value[: MAX_TEXT - 3] + "..."
