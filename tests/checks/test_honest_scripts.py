"""Honest but unusual hand-ins pass the static stage clean: no false alarms.

Each is a reference solution with one unusual, honest edit of the kind an instructor sees: a
notebook check, a hand-written convolution layer or recurrent cell, a helper whose parameters
share the test set's names, a callback with its own ``save()``, a trailing semicolon on a
provided line, a UTF-8 coding declaration and a byte-order mark. The whole static stage (intake,
diff and static checks) must find nothing in them, not even a warning.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from grader.checks.stage import check_paths
from grader.spec import Assignment

Edit = Callable[[str], str]

HAND_CONV = '''
class HandConv(keras.layers.Layer):
    """A 3x3 convolution written out: what Conv2D does, by hand."""

    def __init__(self, filters):
        super().__init__()
        self.filters = filters

    def build(self, input_shape):
        self.kernel = self.add_weight(shape=(3, 3, input_shape[-1], self.filters))

    def call(self, x):
        return tf.nn.relu(tf.nn.conv2d(x, self.kernel, strides=1, padding="SAME"))


model = keras.Sequential(
    [
        keras.Input(shape=(28, 28, 1)),
        HandConv(16),
        keras.layers.MaxPooling2D(),
        keras.layers.Flatten(),
        keras.layers.Dense(10),
    ]
)
'''

HAND_CELL = '''
class MinimalCell(keras.layers.Layer):
    def __init__(self, units):
        super().__init__()
        self.units = units
        self.state_size = units

    def build(self, input_shape):
        self.kernel = self.add_weight(shape=(input_shape[-1], self.units))
        self.recurrent = self.add_weight(shape=(self.units, self.units))

    def call(self, inputs, states):
        output = tf.tanh(inputs @ self.kernel + states[0] @ self.recurrent)
        return output, [output]


model = keras.Sequential(
    [keras.Input(shape=(28, 28)), keras.layers.RNN(MinimalCell(64)), keras.layers.Dense(10)]
)
'''

CALLBACK = '''
class LossLog(keras.callbacks.Callback):
    def __init__(self):
        super().__init__()
        self.losses = []

    def save(self, value):
        self.losses.append(value)

    def on_epoch_end(self, epoch, logs=None):
        self.save(logs["loss"])


loss_log = LossLog()
'''

HELPER = '''

def error_rate(model, test_x, test_y):
    """The provided evaluation, as a function (for trying models out in a notebook)."""
    predictions = np.argmax(model.predict(transform(test_x), verbose=0), axis=1)
    return 100.0 * np.mean(predictions != test_y)

'''


def _model(replacement: str) -> Edit:
    """Replace the solution's whole model (and its helper) with ``replacement``."""

    def edit(text: str) -> str:
        start = text.index("from tensorflow import keras\n") + len("from tensorflow import keras\n")
        end = text.index("# ==== END YOUR CODE ====", start)
        return text[:start] + replacement + "\n" + text[end:]

    return edit


EDITS: dict[str, tuple[str, Edit]] = {
    "colab": ("task1", lambda t: t.replace(
        "\ndef transform(batch):",
        '\nIN_COLAB = "google.colab" in sys.modules  # inline plots\n\n\ndef transform(batch):',
    )),
    "hand-written convolution": ("task1", _model(HAND_CONV)),
    "hand-written recurrent cell": ("task2", _model(HAND_CELL)),
    "helper named like the test set": ("task1", lambda t: t.replace(
        "# ==== END YOUR CODE ====", HELPER + "# ==== END YOUR CODE ====", 1
    )),
    "callback with its own save": ("task1", lambda t: t.replace(
        "EPOCHS = 15\n", CALLBACK + "\nEPOCHS = 15\n"
    ).replace(
        "    verbose=2 if full_output else 0,\n)",
        "    verbose=2 if full_output else 0,\n    callbacks=[loss_log],\n)",
    )),
    "trailing semicolon": ("task1", lambda t: t.replace(
        "test_error = 100.0 * np.mean(predictions != test_y)\n",
        "test_error = 100.0 * np.mean(predictions != test_y);\n",
    )),
    "utf-8 declaration": ("task2", lambda t: "# -*- coding: utf-8 -*-\n" + t),
}


@pytest.mark.parametrize("name", sorted(EDITS))
def test_an_honest_unusual_script_is_clean(
    name: str, assignment: Assignment, repo_root: Path, tmp_path: Path
) -> None:
    task, edit = EDITS[name]
    solution = (repo_root / "reference" / "solution" / f"{task}.py").read_text(encoding="utf-8")
    text = edit(solution)
    assert text != solution, "the edit must change the solution"
    folder = tmp_path / "student"
    folder.mkdir()
    raw = text.encode("utf-8")
    (folder / f"{task}.py").write_bytes(b"\xef\xbb\xbf" + raw if name == "colab" else raw)
    [(_, statics)] = check_paths([folder], assignment=assignment, tasks=[task], jobs=1)
    findings = [f"{f.check}@{f.line}: {f.message}" for f in statics[task].findings]
    assert findings == []
