# expect: none
import tensorflow as tf

layer = getattr(tf.keras.layers, "Conv1D")(4, 3)
