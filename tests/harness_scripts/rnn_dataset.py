"""A tiny bidirectional GRU trained for one epoch from a tf.data pipeline over the training rows
only, after seeding through Keras (which seeds Python, NumPy and TensorFlow on its own)."""

import keras
import numpy as np
import tensorflow as tf

keras.utils.set_random_seed(1)

with open("dataset.txt") as dataset_file:
    rows = [line.split() for line in dataset_file if line.strip()]
images = np.array([[int(p) for p in bits] for bits, _ in rows], dtype=np.float32).reshape(-1, 28, 28)
labels = np.array([int(label) for _, label in rows], dtype=np.int64)
order = np.random.permutation(len(images))
train_x, train_y = images[order[:200]], labels[order[:200]]
test_x, test_y = images[order[200:]], labels[order[200:]]

train = tf.data.Dataset.from_tensor_slices((train_x, train_y)).shuffle(200)
train = train.map(lambda x, y: (tf.transpose(x) * 2 - 1, y)).batch(50)
model = keras.Sequential([
    keras.Input((28, 28)),
    keras.layers.Bidirectional(keras.layers.GRU(4)),
    keras.layers.Dense(10),
])
model.compile("adam", keras.losses.SparseCategoricalCrossentropy(from_logits=True))
model.fit(train, epochs=1, verbose=0)
print(f"Model size: {model.count_params()}")
