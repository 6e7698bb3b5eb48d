"""Forks a child that seeds and leaves with os._exit: the child must not write the facts."""

import os
import random

pid = os.fork()
if pid == 0:
    random.seed(1)
    os._exit(0)
os.waitpid(pid, 0)
print("parent done")
