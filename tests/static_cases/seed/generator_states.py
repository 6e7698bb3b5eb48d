# expect: seed@11, seed@12, seed@13, seed@14, seed@15, seed@17, seed@19, seed@20, seed@37, seed@39, seed@41
# expect: seed@33:warning, seed@35:warning
import copy
import random

import numpy as np
import tensorflow as tf

FROZEN = (3, tuple(range(625)), None)
rng = np.random.default_rng()
random.setstate(FROZEN)
np.random.set_state(np.random.RandomState(8).get_state())
np.random.mtrand._rand.seed(12)
np.random.set_state(copy.deepcopy(FROZEN))
random.Random.seed(random._inst, 99)
state = {"bit_generator": "PCG64", "state": {"state": 1, "inc": 3}}
rng.bit_generator.state = state
g = tf.random.Generator.from_non_deterministic_state()
g2 = tf.random.Generator.from_state([1, 2, 3], "philox")
np.random.mtrand._rand.__setstate__(FROZEN)
# near misses: a state saved earlier in the same run from the same generator, restored (to
# shuffle two arrays alike), and reseeding from fresh entropy
saved = np.random.get_state()
np.random.shuffle([1, 2, 3])
np.random.set_state(saved)
snapshot = random.getstate()
random.setstate(snapshot)
rng.bit_generator.state = rng.bit_generator.state
random.Random.seed(random._inst)
np.random.set_state(np.random.get_state())
# what the check cannot trace is a warning: the graded runs compare the states
def restore(states):
    np.random.set_state(states[0])
def put_back(generator, kept):
    generator.bit_generator.state = kept
from keras.src.backend.common import global_state
global_state.set_global_attribute("global_random_seed", 3)
global_state.set_global_attribute("floatx", "float32")  # near miss: no seed
random.Random.__init__(random._inst, 5)
rng2 = random.Random()
rng2.__init__(6)
rng2.__init__()  # near miss: reseeded from fresh entropy
