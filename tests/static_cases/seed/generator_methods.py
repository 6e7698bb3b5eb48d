# expect: seed@6, seed@8
import random
import tensorflow as tf

rng = random.Random()
rng.seed(4)
generator = tf.random.get_global_generator()
generator.reset_from_seed(1)
