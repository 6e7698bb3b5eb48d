# expect: sandbox.file@9, sandbox.file@10, sandbox.file@11, sandbox.file@12, sandbox.file@14, sandbox.file@15, sandbox.file@16, sandbox.file@17, sandbox.file@18
import io
import os
import pathlib
from pathlib import Path as P
import numpy as np
import pandas as pd

open("weights.txt")
open("dataset.txt", "w")
io.open("extra.csv")
with open("../data/dataset.txt") as handle:
    pass
os.open("dataset.txt", os.O_WRONLY)
pathlib.Path("notes.txt").read_text()
P("notes.txt").open()
np.loadtxt("other.txt")
pd.read_csv("mnist.csv")
