# expect: test_data.use@20, test_data.use@23, test_data.use@29, test_data.use@32
# A helper's parameters named like the test set are its own variables: only a caller that
# passes the test set in reads it, and is reported where it does.
import numpy as np


def error_rate(model, test_x, test_y):
    predictions = np.argmax(model.predict(test_x, verbose=0), axis=1)
    return 100.0 * np.mean(predictions != test_y)


def evaluate(model):
    def inner(test_x):
        return lambda: model(test_x)  # the enclosing function's parameter

    return [len(test_x) for test_x in ([1], [2])]  # a comprehension's own variable


def peek(model):
    return model.predict(test_x)  # the module's test set: this function does not bind it


def cheat(model, data=test_x):  # a default is evaluated at module level
    return model(data)


def rebind():
    global test_y
    test_y = None


print(error_rate(None, test_x, test_y))  # the caller passes the test set in
