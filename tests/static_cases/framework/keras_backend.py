# expect: framework@5, framework@6
import os
import keras

os.environ["KERAS_BACKEND"] = "jax"
keras.config.set_backend("torch")
