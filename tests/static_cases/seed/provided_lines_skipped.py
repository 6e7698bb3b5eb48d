# expect: seed@6
# provided: 4-5
import numpy as np
np.random.seed(1)
layer_seed = dict(seed=2)
np.random.seed(3)
