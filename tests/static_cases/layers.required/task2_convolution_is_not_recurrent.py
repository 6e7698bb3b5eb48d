# expect: layers.required
# task: task2
from tensorflow.keras import layers

model = layers.Conv1D(8, 3)
