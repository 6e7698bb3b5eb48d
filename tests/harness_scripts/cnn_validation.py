"""A tiny CNN trained for one epoch, with the test set passed as validation data (a violation),
then the provided output lines and the sensitivity figure shown with plt.show()."""

import numpy as np
import tensorflow as tf

with open("dataset.txt") as dataset_file:
    rows = [line.split() for line in dataset_file if line.strip()]
images = np.array([[int(p) for p in bits] for bits, _ in rows], dtype=np.float32).reshape(-1, 28, 28)
labels = np.array([int(label) for _, label in rows], dtype=np.int64)
order = np.random.permutation(len(images))
train_x, train_y = images[order[:200]], labels[order[:200]]
test_x, test_y = images[order[200:]], labels[order[200:]]


def transform(batch):
    return (batch * 2 - 1)[..., np.newaxis]


model = tf.keras.Sequential([
    tf.keras.Input((28, 28, 1)),
    tf.keras.layers.Conv2D(4, 3, activation="relu"),
    tf.keras.layers.MaxPooling2D(4),
    tf.keras.layers.Flatten(),
    tf.keras.layers.Dense(10),
])
model.compile("adam", tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True))
model.fit(transform(train_x), train_y, epochs=1, verbose=0,
          validation_data=(transform(test_x), test_y))

print(f"Model size: {model.count_params()}")

import matplotlib.pyplot as plt

plt.imshow(test_x[0], cmap="gray_r")
plt.show()
