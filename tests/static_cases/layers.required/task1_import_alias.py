# expect: none
from keras.layers import Conv2D as C

layer = C(4, 3)
