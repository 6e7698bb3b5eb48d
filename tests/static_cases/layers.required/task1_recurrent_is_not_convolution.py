# expect: layers.required
from tensorflow.keras import layers

model = layers.LSTM(16)
