# expect: monkeypatch@5, monkeypatch@7, monkeypatch@8, monkeypatch@9, monkeypatch@12, monkeypatch@14
import numpy as np
import tensorflow as tf

def print(*args):
    pass
start_time = 0.0
from tensorflow import keras as tf
globals()["time"] = None

def restart():
    global start_time
    start_time = 1.0
for int in range(3):
    pass
