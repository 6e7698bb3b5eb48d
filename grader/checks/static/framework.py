"""``framework``: the model must be TensorFlow's.

A violation is importing another deep-learning framework (PyTorch, JAX, Flax ...), a
gradient-boosting library, or any part of scikit-learn but its utilities (splitting, scaling,
metrics): an estimator from ``sklearn.neighbors`` or ``sklearn.svm`` would be a model that is not
a TensorFlow network. ``sklearn.datasets`` is not a utility either: it brings other data. Switching
Keras to another backend (``KERAS_BACKEND``, ``keras.config.set_backend``) is one too.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator

from grader.checks.base import TaskContext
from grader.checks.static.common import Hit, LineCheck, Prefixes, called, forbidden_uses
from grader.ids import CheckId
from grader.pysource.scan import Scan

# fmt: off
OTHER_FRAMEWORKS = Prefixes([
    "torch", "torchvision", "torchaudio", "lightning", "pytorch_lightning",
    "jax", "jaxlib", "flax", "haiku", "optax", "equinox", "trax",
    "paddle", "mxnet", "theano", "cntk", "chainer", "caffe", "caffe2", "onnxruntime",
    "xgboost", "lightgbm", "catboost",
])
# fmt: on

# fmt: off
#: the parts of scikit-learn that fit no model
SKLEARN_UTILITIES: frozenset[str] = frozenset({
    "model_selection", "preprocessing", "metrics", "utils", "exceptions",
    "set_config", "get_config", "config_context", "show_versions", "__version__",
})
# fmt: on


class _NotTensorFlow(Prefixes):
    """Other frameworks, and scikit-learn beyond its utilities."""

    def _match(self, qualname: str) -> str | None:
        if qualname.startswith("sklearn."):
            part = qualname.split(".")[1]
            return None if part in SKLEARN_UTILITIES else f"sklearn.{part}"
        return OTHER_FRAMEWORKS.match(qualname)


NOT_TENSORFLOW = _NotTensorFlow([])
BACKEND_VARIABLE = "KERAS_BACKEND"
SET_BACKEND = "keras.config.set_backend"


class Framework(LineCheck):
    id = CheckId.FRAMEWORK

    def message(self, found: str) -> str:
        return (
            f"uses a machine-learning library other than TensorFlow: {found}. The model must be "
            "a TensorFlow (Keras) network"
        )

    def hits(self, ctx: TaskContext, scan: Scan) -> Iterator[Hit]:
        yield from forbidden_uses(scan, NOT_TENSORFLOW)
        resolver = scan.resolver
        for write in scan.env_writes:
            if write.key == BACKEND_VARIABLE and not _is_tensorflow(write.value, scan):
                yield write.line, f"Keras on another backend ({BACKEND_VARIABLE})"
        for site in scan.calls:
            if (
                site.callee == SET_BACKEND
                and site.node.args
                and resolver.string(site.node.args[0]) != "tensorflow"
            ):
                yield site.line, f"Keras on another backend ({called(site.node)})"


def _is_tensorflow(value: ast.expr | None, scan: Scan) -> bool:
    return value is not None and scan.resolver.string(value) == "tensorflow"
