# expect: seed@8, seed@9, seed@10, seed@11, seed@12, seed@13, seed@14, seed@15, seed@16, seed@18
import tensorflow as tf
import tensorflow as t
import keras
from tensorflow import keras as k
from tensorflow.random import Generator

tf.random.set_seed(1)
tf.keras.utils.set_random_seed(2)
keras.utils.set_random_seed(3)
tf.compat.v1.set_random_seed(4)
tf.random.Generator.from_seed(5)
tf.config.experimental.enable_op_determinism()
t.random.set_seed(6)
k.utils.set_random_seed(7)
Generator.from_seed(8)
from keras.src.utils import rng_utils
rng_utils.set_random_seed(9)
