# expect: monkeypatch@6, monkeypatch@11, monkeypatch@15
from tensorflow import keras


class Small(keras.Sequential):
    def count_params(self):
        return 1


class Smaller(Small):
    predict = keras.Sequential.predict


model = keras.Sequential()
model.count_params = lambda: 1


class Plain:  # not a library class: its methods are its own
    def predict(self, x):
        return x

