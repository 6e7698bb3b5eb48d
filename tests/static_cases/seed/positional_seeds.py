# expect: seed@11, seed@12, seed@13, seed@14, seed@15, seed@16, seed@17, seed@18, seed@19
# expect: seed@20, seed@21, seed@22, seed@23
import keras
import tensorflow as tf
from keras import layers
from keras import random as krandom

x = tf.ones((4, 28, 28, 1))
dataset = tf.data.Dataset.range(10)
pair = tf.constant([3, 4])
krandom.uniform((2,), 0.0, 1.0, None, 5)
krandom.shuffle(x, 0, 6)
krandom.dropout(x, 0.5, None, 7)
tf.nn.dropout(x, 0.5, None, 8)
layers.RandomCrop(24, 24, 9)
layers.RandomContrast(0.2, (0, 1), 10)
tf.random.stateless_normal((2,), pair)
tf.image.stateless_random_flip_left_right(x, (1, 2))
tf.random.experimental.stateless_split([5, 6], 3)
tf.data.Dataset.random(12)
dataset.rejection_resample(lambda v: v, [0.5, 0.5], None, 13)
tf.compat.v1.random_uniform((2,), 0, 1, tf.float32, 14)
tf.raw_ops.RandomUniform(shape=[2], dtype=tf.float32, seed2=15)
# near misses: the same APIs without a seed, or with other arguments where a seed could sit
layers.RandomCrop(24, 24)
layers.RandomContrast(0.2, (0, 1))
tf.nn.dropout(x, 0.5, None)
krandom.shuffle(x, 0)
tf.random.stateless_normal((2,), tf.random.uniform((2,), maxval=9, dtype=tf.int32))
tf.image.random_flip_left_right(x)
dataset.rejection_resample(lambda v: v, [0.5, 0.5])
