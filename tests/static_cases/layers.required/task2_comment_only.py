# expect: layers.required
# task: task2
# an LSTM would go here
from tensorflow.keras import layers

model = layers.Dense(10)
