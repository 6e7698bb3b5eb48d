# expect: test_data.use@11:warning, test_data.use@12:warning, test_data.use@13:warning
# expect: test_data.use@14:warning, test_data.use@15:warning, test_data.use@16:warning
# expect: test_data.use@18:warning, test_data.use@19:warning
import os
from pathlib import Path
import numpy as np
import tensorflow as tf

DATA = "dataset.txt"
here = os.path.dirname(os.path.abspath(__file__))
open("dataset.txt")
open("./dataset.txt", "r")
open(os.path.join(here, "dataset.txt"), encoding="utf-8")
(Path(__file__).parent / "dataset.txt").read_text()
np.loadtxt("dataset.txt", dtype=str)
open(DATA, mode="rt")
path = Path("dataset.txt")
path.open()
os.open(DATA, os.O_RDONLY)
open(os.devnull, "w")
tf.data.Dataset.range(3).cache()
model = tf.keras.Sequential()
model.summary()
print("weights.h5".replace(".h5", ".keras"))
