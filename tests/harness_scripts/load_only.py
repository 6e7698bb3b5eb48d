"""Builds a model and loads its weights from a file instead of training it."""

import keras


def build():
    return keras.Sequential([keras.Input((784,)), keras.layers.Dense(10)])


build().save_weights("saved.weights.h5")
model = build()
model.load_weights("saved.weights.h5")
print(f"Model size: {model.count_params()}")
