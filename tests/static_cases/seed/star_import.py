# expect: seed@4
from numpy.random import *

seed(1)
