# expect: seed@5, seed@6, seed@7
import random
import numpy as np

random.seed(1)
np.random.seed(0)
random.Random().seed(3)
