# expect: sandbox.network@4, sandbox.network@6, sandbox.network@7
import tensorflow as tf
import keras
from tensorflow.keras.datasets import mnist

tf.keras.utils.get_file("data.npz", "https://example.com/data.npz")
(train, test) = keras.datasets.mnist.load_data()
