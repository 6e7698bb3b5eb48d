# expect: seed@10, seed@11, seed@12
from tensorflow.keras import layers

options = {"seed": 1}
no_seed = {"seed": None}
changing = {"seed": 1}
changing = {"seed": None}
unused = {"random_state": 0}

layers.Dropout(0.2, **options)
layers.Dropout(0.2, **{"seed": 2})
layers.GaussianNoise(0.1, **dict(seed=3))
layers.Dropout(0.2, **no_seed)
layers.Dropout(0.2, **changing)
