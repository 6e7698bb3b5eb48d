# expect: none
import os
import random
import numpy as np
import tensorflow as tf
from tensorflow.keras import layers

NO_SEED = None
seed_count = 3
print(seed_count)
rng = np.random.default_rng()
legacy = np.random.RandomState()
stdlib = random.Random()
generator = tf.random.Generator.from_non_deterministic_state()
layers.Dropout(0.2, seed=None)
layers.Dropout(0.2, seed=NO_SEED)
layers.Dropout(0.2, seed=rng.integers(1000))
order = np.random.permutation(10)
tf.data.Dataset.range(10).shuffle(100)
os.environ["TF_CPP_MIN_LOG_LEVEL"] = "3"
def block(units, seed=None):
    return layers.Dense(units)
def seed():
    return 1
seed()
config = {"seed": 1}
np.random.default_rng().shuffle(np.zeros((2, 2)), 1)
