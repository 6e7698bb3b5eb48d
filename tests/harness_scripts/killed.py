"""Seeds, then dies by SIGKILL: the facts seen so far must already be on the parent's file."""

import os
import random
import signal

random.seed(1)
os.kill(os.getpid(), signal.SIGKILL)
