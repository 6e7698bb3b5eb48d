# expect: none
from tensorflow.keras import layers


class Smooth(layers.SeparableConv2D):
    pass
