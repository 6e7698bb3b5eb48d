# expect: none
import keras

layer = keras.layers.ConvLSTM2D(4, 3)
