# expect: sandbox.file@14, sandbox.file@15, sandbox.file@16, sandbox.file@17, sandbox.file@18, sandbox.file@19, sandbox.file@20, sandbox.file@21, sandbox.file@22, sandbox.file@23, sandbox.file@24, sandbox.file@25, sandbox.file@26
import glob
import os
import shutil
import tempfile
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import tensorflow as tf
from tensorflow import keras

model = keras.Sequential()
np.save("features.npy", np.zeros(3))
model.save("model.keras")
model.save_weights("model.weights.h5")
keras.callbacks.ModelCheckpoint("best.keras")
tf.keras.callbacks.CSVLogger("log.csv")
plt.savefig("figure.png")
tf.data.Dataset.range(3).cache("cache-file")
shutil.copy("a", "b")
tempfile.mkdtemp()
glob.glob("*.txt")
os.listdir(".")
os.remove("stale")
Path("out.txt").write_text("x")
