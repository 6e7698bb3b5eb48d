# expect: seed@13, seed@14, seed@15, seed@16, seed@17, seed@18, seed@19
import hashlib
import os
import time

import numpy as np

S = 40
S += 2
a, b = 4, 2
def seed_value():
    return 7
rng = np.random.default_rng(S)
rng = np.random.default_rng(a * b)
rng = np.random.default_rng(seed_value())
rng = np.random.default_rng(int(hashlib.sha256(b"s").hexdigest(), 16) % 2**32)
rng = np.random.default_rng((k := 12))
rng = np.random.default_rng(int(f"{4}{2}"))
np.random.seed(len(os.sep))
# near misses: run-time values through the same spellings
T = 1
T += time.time_ns()
c, d = os.getpid(), 2
def fresh():
    return time.perf_counter_ns()
rng = np.random.default_rng(T)
rng = np.random.default_rng(c * d)
rng = np.random.default_rng(fresh())
rng = np.random.default_rng(int(hashlib.sha256(os.urandom(8)).hexdigest(), 16) % 2**32)
