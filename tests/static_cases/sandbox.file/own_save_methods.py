# expect: sandbox.file@25, sandbox.file@30, sandbox.file@36, sandbox.file@43, sandbox.file@45:warning
# A callback that keeps its history in its own save() writes no file; Keras's save() does.
from tensorflow import keras


class History(keras.callbacks.Callback):
    def __init__(self):
        super().__init__()
        self.losses = []

    def save(self, value):
        self.losses.append(value)

    def on_epoch_end(self, epoch, logs=None):
        self.save(logs["loss"])


class Verbose(History):
    def on_train_end(self, logs=None):
        self.save(logs)  # inherited from the script's own History


class Exporter(keras.callbacks.Callback):
    def on_train_end(self, logs=None):
        self.model.save("weights.keras")  # the model's save: a file


class Checkpoint(keras.Model):
    def save(self, path):
        return super().save(path)  # the script's save, which calls Keras's: a file


history = History()
history.save(0.5)
model = keras.Sequential([keras.layers.Dense(1)])
model.save("model.keras")


def build():
    return keras.Sequential([keras.layers.Dense(1)])


build().save("other.keras")  # a call's result: a violation, as before
for kept in [History(), build()]:
    kept.save("maybe.keras")  # either class's save: a warning
