"""``layers.required``: task 1 must build a convolution layer, task 2 a recurrent one.

Evidence is a reference in code (not in a comment or a string) to a Keras layer class of the
required kind, through any import style: ``layers.Conv2D(...)``, ``Conv2D`` imported under any
name, ``getattr(layers, "GRU")``, a class that subclasses one (its ``class`` line names it), or
``RNN(LSTMCell(...))``; a hand-written recurrent cell counts through the ``keras.layers.RNN`` that
wraps it. A hand-written convolution layer (a ``keras.layers.Layer`` whose ``call`` convolves with
``tf.nn.conv2d``, ``tf.nn.convolution`` or ``keras.ops.conv``) is a convolution layer too: a
reference to one of those operations counts (:data:`OPERATIONS`). The class lists are shared with
the runtime check
(:mod:`grader.checks.layer_kinds`); TensorFlow's ``compat.v1`` spellings are accepted besides. An
import alone is no evidence: the layer has to be used. The runtime check
(:class:`grader.checks.runtime.facts.TrainedLayers`) has the last word (it sees the model that was
trained); this one tells a student before anything runs.
"""

from __future__ import annotations

from collections.abc import Iterator

from grader.checks.base import StaticCheck, TaskContext
from grader.checks.layer_kinds import DESCRIPTION, REQUIRED
from grader.ids import CheckId
from grader.records import Finding

#: namespaces a layer class may come from (canonical: every Keras spelling is ``keras``)
LAYER_NAMESPACES: tuple[str, ...] = ("keras.", "tensorflow.compat.v1.")
# fmt: off
#: TensorFlow 1 spellings, under ``tensorflow.compat.v1``, that the runtime list does not name
COMPAT_V1: dict[str, frozenset[str]] = {
    "convolution": frozenset({
        "conv1d", "conv2d", "conv3d", "separable_conv1d", "separable_conv2d",
        "conv2d_transpose", "conv3d_transpose",
    }),
    "recurrent": frozenset({
        "BasicLSTMCell", "BasicRNNCell", "MultiRNNCell", "RNNCell", "dynamic_rnn",
        "static_rnn", "bidirectional_dynamic_rnn", "static_bidirectional_rnn",
    }),
}
# fmt: on
_TF_CONVOLUTIONS = (
    "conv1d", "conv2d", "conv3d", "convolution", "conv_transpose", "conv1d_transpose",
    "conv2d_transpose", "conv3d_transpose", "depthwise_conv2d", "separable_conv2d",
    "atrous_conv2d", "atrous_conv2d_transpose",
)
_KERAS_CONVOLUTIONS = ("conv", "conv_transpose", "depthwise_conv", "separable_conv")
# fmt: off
#: operations a hand-written layer of the required kind is built on
OPERATIONS: dict[str, frozenset[str]] = {
    "convolution": frozenset({
        *(f"tensorflow.nn.{name}" for name in _TF_CONVOLUTIONS),
        *(f"tensorflow.compat.v1.nn.{name}" for name in _TF_CONVOLUTIONS),
        *(f"keras.ops.{name}" for name in _KERAS_CONVOLUTIONS),
        *(f"keras.ops.nn.{name}" for name in _KERAS_CONVOLUTIONS),
        *(f"tensorflow.raw_ops.{name}" for name in (
            "Conv", "Conv2D", "Conv3D", "DepthwiseConv2dNative", "Conv2DBackpropInput",
            "Conv3DBackpropInputV2",
        )),
    }),
    "recurrent": frozenset(),  # a hand-written cell is wrapped in keras.layers.RNN: a class
}
# fmt: on


class LayersRequired(StaticCheck):
    id = CheckId.LAYERS_REQUIRED

    def check(self, ctx: TaskContext) -> Iterator[Finding]:
        required = ctx.task.required_layer
        if required not in REQUIRED:
            return
        if any(_is_layer(qualname, required) for qualname in ctx.scan.loads):
            return
        yield self.finding(
            f"the task requires {DESCRIPTION[required]} and the code uses none (a name in a "
            "comment or a string does not count)",
            file=ctx.file.name,
        )


def _is_layer(qualname: str, required: str) -> bool:
    if qualname in OPERATIONS[required]:
        return True
    if "()" in qualname or not qualname.startswith(LAYER_NAMESPACES):
        return False
    name = qualname.rpartition(".")[2]
    return name in REQUIRED[required] or (
        qualname.startswith("tensorflow.compat.v1.") and name in COMPAT_V1[required]
    )
