# expect: layers.required
from keras.layers import Conv2D, Dense

model = Dense(10)
