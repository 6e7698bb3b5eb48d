# expect: none
import os
import sys
import numpy as np
from tensorflow import keras


class Trainer:
    def __init__(self):
        self.epochs = 3


model = keras.Sequential()
model.trainable = False
layer = keras.layers.Dense(3)
layer.kernel_initializer = "zeros"
values = [1]
values[0] = 2
os.environ["TF_CPP_MIN_LOG_LEVEL"] = "3"
sys.stdout.write("")


def local_names():
    print = len
    time = 3
    return print, time
