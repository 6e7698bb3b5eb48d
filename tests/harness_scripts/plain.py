"""Prints what a script can see of how it was started, reads the dataset, uses unseeded RNGs and
imports a library that probes IPv6 with a loopback socket: none of it is a fact."""

import random
import sys

import numpy as np

print("argv:", sys.argv, "file:", __file__, "name:", __name__)
print("to stderr", file=sys.stderr)
with open("dataset.txt") as dataset_file:
    print("rows:", sum(1 for _ in dataset_file))
np.random.seed()
np.random.default_rng()
np.random.RandomState()
random.Random()
print("draws:", len(np.random.permutation(10)), isinstance(np.random.mtrand._rand, np.random.RandomState))

import urllib3  # noqa: F401  (binds ::1 port 0 to test for IPv6 on import)
