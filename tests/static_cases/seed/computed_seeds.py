# expect: seed@20, seed@24, seed@29, seed@30, seed@31, seed@32, seed@33, seed@34, seed@35
# expect: seed@36, seed@37, seed@38
import os
import time

import keras
import numpy as np
import tensorflow as tf


class Config:
    SEED = 1337
    RATE = 0.3


class Block(keras.layers.Layer):
    SALT = 11

    def build(self, shape):
        self.drop = keras.layers.Dropout(0.1, seed=self.SALT)


def make_rng(entropy=2024):
    return np.random.default_rng(entropy)


TWICE = 5
TWICE = 6
np.random.default_rng(len("seed"))
np.random.RandomState(int("5"))
keras.layers.Dropout(0.2, seed=abs(1337))
keras.layers.Dropout(Config.RATE, seed=Config.SEED)
keras.random.SeedGenerator(7 if TWICE else 8)
tf.random.stateless_uniform([2], [TWICE, 1])
keras.layers.RandomCrop(24, 24, sum(map(ord, "seed")))
tf.nn.dropout(tf.ones((2,)), 0.5, None, (lambda: 3)())
keras.random.normal((2,), 0.0, 1.0, None, int.from_bytes(b"s", "big"))
np.random.default_rng(len(os.environ.get("HOME", "")))
# near misses: values that differ from run to run, or None whichever branch runs
np.random.default_rng(int(time.time()))
np.random.default_rng(os.getpid())
keras.layers.Dropout(0.2, seed=None if TWICE else None)
tf.random.stateless_uniform([2], seed=tf.random.uniform([2], maxval=99, dtype=tf.int32))
keras.random.normal((2,), 0.0, 1.0, None, keras.random.SeedGenerator())


class Layer2(keras.layers.Layer):
    def __init__(self, seed=None):
        super().__init__()
        self.seed = seed

    def call(self, x):
        return keras.random.dropout(x, 0.5, seed=self.seed)
