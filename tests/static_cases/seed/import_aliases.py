# expect: seed@6, seed@7, seed@8
from numpy.random import seed as s
import numpy.random as npr
from random import seed

s(3)
npr.seed(4)
seed(5)
