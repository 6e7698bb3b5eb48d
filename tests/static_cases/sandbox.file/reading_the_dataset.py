# expect: none
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
