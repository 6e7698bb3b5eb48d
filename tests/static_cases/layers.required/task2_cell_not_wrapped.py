# expect: layers.required
# task: task2
# The near miss: the same hand-written cell applied once, never wrapped in keras.layers.RNN,
# recurs over nothing.
import tensorflow as tf
from tensorflow import keras


class MinimalCell(keras.layers.Layer):
    def build(self, input_shape):
        self.kernel = self.add_weight(shape=(input_shape[-1], 32))

    def call(self, inputs):
        return tf.tanh(inputs @ self.kernel)


model = keras.Sequential([keras.Input(shape=(28, 28)), MinimalCell(), keras.layers.Flatten()])
