# expect: none
from tensorflow import keras

model = keras.Sequential([keras.layers.Conv2D(8, 3), keras.layers.Dense(10)])
