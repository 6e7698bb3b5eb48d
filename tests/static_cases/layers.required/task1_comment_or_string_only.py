# expect: layers.required
# model: Conv2D(8, 3) then Dense(10)
from tensorflow import keras

kind = "Conv2D"
model = keras.Sequential([keras.layers.Flatten(), keras.layers.Dense(10)])
