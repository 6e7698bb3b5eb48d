# expect: seed@9, seed@10, seed@11, seed@12, seed@13, seed@14, seed@15, seed@16, seed@17, seed@18, seed@19, seed@20, seed@21
import tensorflow as tf
from tensorflow.keras import layers, initializers
from sklearn.model_selection import train_test_split

SEED = 42
dataset = tf.data.Dataset.range(10)

layers.Dropout(0.2, seed=1)
initializers.GlorotUniform(seed=7)
dataset.shuffle(100, seed=3)
train_test_split([1, 2], random_state=0)
layers.Dropout(0.1, seed=SEED)
layers.Dropout(0.3, None, 5)
initializers.GlorotUniform(9)
dataset.shuffle(100, 11)
layers.Dense(4, kernel_initializer=initializers.HeNormal(**{"seed": 1}))
layers.Dense(4, kernel_initializer=initializers.RandomNormal(0.0, 0.05, SEED))
def block(units, seed=3):
    return layers.Dropout(0.5, seed=seed)
tf.random.uniform((2,), seed=(1, 2))
