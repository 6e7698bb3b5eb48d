# expect: seed@14, seed@15, seed@16, seed@17, seed@18
import random
import numpy as np
import tensorflow as tf
from random import seed

NO_SEED = None
seed()
np.random.seed(None)
np.random.seed(seed=NO_SEED)
tf.random.set_seed(None)
np.random.RandomState().seed()
options = {"seed": 1}
np.random.seed(**options)
random.seed(a=3)
tf.keras.utils.set_random_seed(seed=4)
tf.config.experimental.enable_op_determinism()
np.random.seed(*[1])
