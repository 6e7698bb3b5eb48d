# expect: seed@5, seed@7, seed@9
import numpy as np

r = np.random
r.seed(1)
f = np.random.seed
f(2)
g = f
g(3)
