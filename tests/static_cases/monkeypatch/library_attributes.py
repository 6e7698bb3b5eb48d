# expect: monkeypatch@8, monkeypatch@9, monkeypatch@10, monkeypatch@11, monkeypatch@12, monkeypatch@13, monkeypatch@14, monkeypatch@15, monkeypatch@16, monkeypatch@17, monkeypatch@18
import builtins
import time as clock
import numpy as np
import tensorflow as tf
from tensorflow import keras

clock.time = lambda: 0.0
builtins.print = lambda *args: None
np.mean = lambda values: 0.0
setattr(np, "mean", lambda values: 0.0)
tf.keras.Model.count_params = lambda self: 1
del np.random
clock.perf_counter = clock.time
np.__dict__["max"] = min
vars(np)["min"] = max
np.__dict__.update(argmax=np.argmin)
keras.Model.__setattr__(keras.Model, "fit", None)
