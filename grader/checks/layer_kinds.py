"""Which Keras layer classes count as the layer a task requires.

Names are class names as Keras reports them (``type(layer).__name__``), so the static check (which
reads names in the source) and the runtime check (which reads the trained model) share one list.
"""

from __future__ import annotations

from collections.abc import Iterable

CONVOLUTION_LAYERS: frozenset[str] = frozenset({
    "Conv1D", "Conv2D", "Conv3D",
    "Convolution1D", "Convolution2D", "Convolution3D",
    "SeparableConv1D", "SeparableConv2D", "SeparableConvolution1D", "SeparableConvolution2D",
    "DepthwiseConv1D", "DepthwiseConv2D",
    "Conv1DTranspose", "Conv2DTranspose", "Conv3DTranspose",
    "Convolution2DTranspose", "Convolution3DTranspose",
    "ConvLSTM1D", "ConvLSTM2D", "ConvLSTM3D",
})

RECURRENT_LAYERS: frozenset[str] = frozenset({
    "SimpleRNN", "LSTM", "GRU", "RNN",
    "SimpleRNNCell", "LSTMCell", "GRUCell", "StackedRNNCells",
    "Bidirectional",  # only ever wraps a recurrent layer
    "CuDNNLSTM", "CuDNNGRU", "LSTMV1", "GRUV1",
    "ConvLSTM1D", "ConvLSTM2D", "ConvLSTM3D",
})

REQUIRED: dict[str, frozenset[str]] = {
    "convolution": CONVOLUTION_LAYERS,
    "recurrent": RECURRENT_LAYERS,
}

#: what a finding calls each kind of layer
DESCRIPTION: dict[str, str] = {
    "convolution": "a convolution layer (Conv1D/2D/3D, separable, depthwise or transposed)",
    "recurrent": "a recurrent layer (SimpleRNN, LSTM, GRU, RNN(cell), Bidirectional ...)",
}


def has_required(layer_names: Iterable[str], required: str) -> bool:
    """True when any of the class names is a layer of the required kind."""
    wanted = REQUIRED[required]
    return any(name in wanted for name in layer_names)
