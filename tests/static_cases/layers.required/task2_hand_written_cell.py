# expect: none
# task: task2
# A recurrent cell written by hand, wrapped in keras.layers.RNN, is a recurrent layer.
import tensorflow as tf
from tensorflow import keras


class MinimalCell(keras.layers.Layer):
    def __init__(self, units):
        super().__init__()
        self.units = units
        self.state_size = units

    def build(self, input_shape):
        self.kernel = self.add_weight(shape=(input_shape[-1], self.units))
        self.recurrent = self.add_weight(shape=(self.units, self.units))

    def call(self, inputs, states):
        output = tf.tanh(inputs @ self.kernel + states[0] @ self.recurrent)
        return output, [output]


model = keras.Sequential([keras.Input(shape=(28, 28)), keras.layers.RNN(MinimalCell(32))])
