# expect: seed@6, seed@8, seed@9, seed@10
from tensorflow.keras import layers

layers.SpatialDropout2D(0.2, "channels_last")
layers.SpatialDropout3D(0.2, "channels_first")
layers.SpatialDropout2D(0.2, None, 42)
layers.SpatialDropout2D(0.2, None, None)
layers.SpatialDropout3D(0.2, "channels_last", 7)
layers.SpatialDropout1D(0.2, 3)
layers.SpatialDropout2D(0.2, seed=1)
