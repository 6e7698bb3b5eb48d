"""Seeds every other way the harness watches without TensorFlow."""

import os
import random

import numpy as np

random.seed(1)
random.Random(2)
np.random.default_rng(3)
np.random.RandomState(4)
np.random.SeedSequence(5)
os.environ["PYTHONHASHSEED"] = "0"
