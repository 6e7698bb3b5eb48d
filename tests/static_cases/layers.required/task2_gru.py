# expect: none
# task: task2
from tensorflow.keras import layers

model = layers.GRU(32)
