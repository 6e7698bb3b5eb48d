# expect: none
# task: task2
import tensorflow as tf

cell = tf.compat.v1.nn.rnn_cell.BasicLSTMCell(8)
