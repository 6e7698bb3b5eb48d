# expect: none
# task: task2
import tensorflow as tf

layer = tf.keras.layers.RNN(tf.keras.layers.LSTMCell(8))
