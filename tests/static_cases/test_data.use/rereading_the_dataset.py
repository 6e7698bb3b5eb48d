# expect: test_data.use@7:warning, test_data.use@8:warning, test_data.use@9:warning, sandbox.file@11
# provided: 5
import numpy as np
from pathlib import Path
with open("dataset.txt") as provided_read:
    pass
everything = np.loadtxt("dataset.txt", dtype=str)
again = Path("dataset.txt").read_text()
with open("./dataset.txt") as f:
    rows = f.readlines()
other = open("other.txt")
