# expect: layers.required
# The near miss: a layer called "conv" and a comment naming tf.nn.conv2d build no convolution;
# a matrix product is not one.
import tensorflow as tf
from tensorflow import keras


class conv2d(keras.layers.Layer):  # tf.nn.conv2d would go here
    def build(self, input_shape):
        self.kernel = self.add_weight(shape=(input_shape[-1], 8))

    def call(self, x):
        return tf.matmul(x, self.kernel)  # "tf.nn.convolution"
