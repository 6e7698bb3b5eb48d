# expect: none
# task: task2
from tensorflow.keras.layers import Bidirectional, LSTM as Memory

layer = Bidirectional(Memory(8))
