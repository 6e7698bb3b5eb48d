# expect: seed@7, seed@8, seed@9, seed@10, seed@11, seed@12, seed@13
import random
import numpy as np
import keras

SEED = 42
rng = np.random.default_rng(42)
legacy = np.random.RandomState(SEED)
stdlib = random.Random(1)
bits = np.random.Generator(np.random.PCG64(7))
sequence = np.random.SeedSequence(entropy=-3)
keras_seed = keras.random.SeedGenerator(SEED + 1)
by_keyword = np.random.default_rng(seed=5)
