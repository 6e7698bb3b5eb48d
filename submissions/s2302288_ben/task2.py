"""Assignment 3, task 2: a recurrent neural network (RNN) for handwritten digits.

Complete the three regions marked "YOUR CODE" and change nothing in the regions marked
"PROVIDED": the marker compares them with this file. Run it with `python task2.py` in a folder
that holds dataset.txt. With both flags below False it must print exactly three lines.
"""

full_output = False  # True: print training progress
show_analysis = False  # True: show the sensitivity analysis after training

# ==== PROVIDED: start the timer, load and split the data (do not change) ====
import os
import sys
import time

start_time = time.time()
os.environ["TF_CPP_MIN_LOG_LEVEL"] = "3"  # keep TensorFlow's start-up messages quiet

import numpy as np

stderr_copy = os.dup(2)  # TensorFlow's C++ core writes notes to stderr while it loads
os.dup2(os.open(os.devnull, os.O_WRONLY), 2)
try:
    import tensorflow as tf
finally:
    os.dup2(stderr_copy, 2)
    os.close(stderr_copy)
tf.get_logger().setLevel("ERROR")

# dataset.txt: one image per line, 784 pixels as "0"/"1" (28x28, row by row), a space, the label
with open("dataset.txt") as dataset_file:
    rows = [line.split() for line in dataset_file if line.strip()]
images = np.array([[int(pixel) for pixel in bits] for bits, _ in rows], dtype=np.float32)
images = images.reshape(-1, 28, 28)
labels = np.array([int(label) for _, label in rows], dtype=np.int64)

# a new random split on every run: 4,000 images to learn from, 1,000 to test on
order = np.random.permutation(len(images))
train_x, train_y = images[order[:4000]], labels[order[:4000]]
test_x, test_y = images[order[4000:]], labels[order[4000:]]
del rows, images, labels, order  # from here on, learn only from train_x and train_y
# ==== END PROVIDED ====

# ==== YOUR CODE: transform the data ====
# Return what your model takes as input for a batch of images of shape (n, 28, 28) holding 0s
# and 1s. It is applied to train_x when you train and, by the provided code below, to test_x.
# Keep 28 x 28 values per image (the sensitivity analysis draws them); you may change the
# values (ones and minus ones may help) and the shape; a recurrent layer can read an image as a
# sequence of 28 rows of 28 pixels.


def transform(batch):
    return batch


# ==== END YOUR CODE ====

# ==== YOUR CODE: build the model ====
# Build a tf.keras model that maps transform(images) to 10 class scores. It must use at least
# one recurrent layer (SimpleRNN, LSTM, GRU ...) and have at most 100,000 parameters. Set no
# random seed anywhere.

from tensorflow.keras import layers, models

model = models.Sequential()
model.add(layers.Input(shape=(28, 28)))
model.add(layers.LSTM(16))
model.add(layers.Dense(10, activation="softmax"))

# ==== END YOUR CODE ====

# ==== YOUR CODE: train the model ====
# Train `model` from scratch by gradient descent (or one of its extensions, such as Adam) on
# transform(train_x) and train_y. You may hold out part of the training data for validation;
# test_x and test_y must play no part in training. Print progress only when full_output is True.

model.compile(optimizer=tf.keras.optimizers.Adam(0.005), loss="sparse_categorical_crossentropy", metrics=["accuracy"])
model.fit(transform(train_x), train_y, epochs=12, batch_size=64, verbose=full_output)

# ==== END YOUR CODE ====

# ==== PROVIDED: test error, output and sensitivity analysis (do not change) ====
if model is None:
    sys.exit("task2.py is not finished: build and train an RNN in the regions marked YOUR CODE.")

predictions = np.argmax(model.predict(transform(test_x), verbose=0), axis=1)
test_error = 100.0 * np.mean(predictions != test_y)

print(f"Test error: {test_error:.2f}%")
print(f"Model size: {model.count_params()}")
print(f"Duration: {time.time() - start_time:.1f}s")

if show_analysis:
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(2, 5, figsize=(10, 4.6))
    for digit, axis in enumerate(axes.flat):
        image = test_x[test_y == digit][0]
        inputs = tf.convert_to_tensor(transform(image[np.newaxis]), dtype=tf.float32)
        with tf.GradientTape() as tape:
            tape.watch(inputs)
            scores = model(inputs, training=False)
            predicted = int(tf.argmax(scores[0]))
            score = scores[0, predicted]
        sensitivity = np.abs(tape.gradient(score, inputs).numpy()).reshape(28, 28)
        axis.imshow(image, cmap="gray_r")
        axis.imshow(sensitivity, cmap="Reds", alpha=sensitivity / (sensitivity.max() + 1e-12))
        axis.text(1, 4, str(predicted), color="tab:blue", fontsize=16, fontweight="bold")
        axis.set_title(f"digit {digit}")
        axis.axis("off")
    figure.suptitle("Sensitivity of the predicted class to each pixel")
    plt.show()
# ==== END PROVIDED ====
