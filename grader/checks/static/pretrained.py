"""``pretrained``: the model must be trained from scratch, not loaded.

Weights or whole models brought in from a file (or from a model hub) would turn a five-minute
training into a lookup. Found, however the API is imported:

- loading functions: ``keras.models.load_model``, ``keras.saving.load_model``,
  ``tf.saved_model.load``, ``tf.train.load_checkpoint``, ``np.load``, ``pickle.load(s)``,
  ``joblib.load``, ``h5py.File``, ``torch.load`` ...; a checkpoint restored
  (``tf.train.Checkpoint(...).restore``);
- methods that load into a model: ``model.load_weights(...)``, ``Backbone.from_preset(...)``;
- ``keras.applications`` models built with weights other than None (the default is ImageNet);
- model hubs: ``tensorflow_hub``, ``keras_hub``, ``keras_cv``, ``transformers`` ...

Methods are known by name on any receiver: ``keras.Model.load_weights(model, path)`` is the
same load as ``model.load_weights(path)``.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator

from grader.checks.base import TaskContext
from grader.checks.static.common import Hit, LineCheck, Prefixes, called, forbidden_uses
from grader.ids import CheckId
from grader.pysource.scan import CallSite, Scan

# fmt: off
LOADERS = Prefixes([
    "keras.models.load_model", "keras.saving.load_model", "keras.saving.load_weights",
    "keras.layers.TFSMLayer", "keras.models.load_weights",
    "tensorflow.saved_model.load", "tensorflow.compat.v1.saved_model.load",
    "tensorflow.compat.v1.saved_model.loader.load", "tensorflow.saved_model.loader.load",
    "tensorflow.train.load_checkpoint", "tensorflow.train.load_variable",
    "tensorflow.train.Checkpoint().restore", "tensorflow.train.Checkpoint().read",
    "tensorflow.train.CheckpointManager().restore_or_initialize",
    "tensorflow.compat.v1.train.Saver().restore", "tensorflow.compat.v1.train.init_from_checkpoint",
    "numpy.load", "pickle.load", "pickle.loads", "pickle.Unpickler", "_pickle.load",
    "_pickle.loads", "dill.load", "dill.loads", "cloudpickle.load", "cloudpickle.loads",
    "joblib.load", "marshal.load", "marshal.loads", "shelve.open", "h5py.File",
    "torch.load", "torch.hub.load", "safetensors",
])
# fmt: on
#: methods that fill an object (a model) from a file or a published preset, on any receiver
LOADING_METHODS: frozenset[str] = frozenset({"load_weights", "load_own_variables", "from_preset"})
# fmt: off
MODEL_HUBS = Prefixes([
    "tensorflow_hub", "keras_hub", "keras_cv", "keras_nlp", "transformers", "timm",
    "huggingface_hub",
])
# fmt: on
APPLICATIONS = "keras.applications."
#: ``keras.applications.X(include_top, weights, ...)``: weights is the second parameter
WEIGHTS_POSITION = 1


class Pretrained(LineCheck):
    id = CheckId.PRETRAINED

    def message(self, found: str) -> str:
        return (
            f"loads a model or weights instead of training from scratch: {found}. The model "
            "must be trained by gradient descent when the script runs"
        )

    def hits(self, ctx: TaskContext, scan: Scan) -> Iterator[Hit]:
        yield from forbidden_uses(scan, MODEL_HUBS)
        for site in scan.calls:
            if site.callee in LOADERS or site.method in LOADING_METHODS:
                yield site.line, called(site.node)
            elif _pretrained_application(site, scan):
                yield site.line, f"{called(site.node)} with pretrained weights"


def _pretrained_application(site: CallSite, scan: Scan) -> bool:
    """A ``keras.applications`` model (a capitalised name) built with weights other than None."""
    callee = site.callee
    if callee is None or not callee.startswith(APPLICATIONS) or "()" in callee:
        return False
    if not callee.rpartition(".")[2][:1].isupper():
        return False  # preprocess_input, decode_predictions ...
    call = site.node
    weights: ast.expr | None = next((k.value for k in call.keywords if k.arg == "weights"), None)
    if weights is None and len(call.args) > WEIGHTS_POSITION:
        weights = call.args[WEIGHTS_POSITION]
    if weights is None:
        return not any(k.arg is None for k in call.keywords)  # the default: ImageNet weights
    return not scan.resolver.is_none(weights)
