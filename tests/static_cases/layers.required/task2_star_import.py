# expect: none
# task: task2
from tensorflow.keras.layers import *

layer = SimpleRNN(8)
