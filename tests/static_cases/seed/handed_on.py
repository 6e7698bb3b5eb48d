# expect: seed@5, seed@6
import numpy as np
import tensorflow as tf

list(map(np.random.seed, [1]))
seeders = [tf.random.set_seed]
