# expect: none
# A convolution layer written by hand on tf.nn.conv2d is a convolution layer.
import tensorflow as tf
from tensorflow import keras


class HandConv(keras.layers.Layer):
    def __init__(self, filters, size):
        super().__init__()
        self.filters, self.size = filters, size

    def build(self, input_shape):
        self.kernel = self.add_weight(shape=(self.size, self.size, input_shape[-1], self.filters))

    def call(self, x):
        return tf.nn.relu(tf.nn.conv2d(x, self.kernel, strides=1, padding="SAME"))


model = keras.Sequential([keras.Input(shape=(28, 28, 1)), HandConv(16, 3), keras.layers.Flatten()])
