"""What a run observes and what the grader measures of it: the harness's facts, the trust a run
is made under (the grader's split and evaluation, issue 10) and the grader's own evaluation.

Part of ``grader.records`` (which re-exports every name here), kept apart so that no module of
records grows past the size the layout allows.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class RunTrust:
    """What a run needs for the grader to own its split and evaluation (issue 10).

    ``split_call`` is the provided split's function (``numpy.random.permutation``) and
    ``split_lines`` the hand-in's lines that call it; the test rows are the permutation's
    ``[test_start:test_stop]``. ``evaluate_line`` is the hand-in's line where the provided
    evaluation starts, where the model leaves the student's process.
    """

    split_call: str
    split_lines: tuple[int, ...]
    test_start: int | None
    test_stop: int | None
    evaluate_line: int
    required_layer: str  # "convolution" / "recurrent": the layers the evaluator perturbs


@dataclass(frozen=True)
class Evaluation:
    """The grader's own measurement of a run's model on the run's test rows.

    ``by`` says who evaluated: "grader" (the model left the student's process in Keras's format
    and a trusted process loaded it with ``safe_mode``) or "harness" (it could not leave, and the
    harness evaluated it in the child with references taken before student code ran).
    ``required_works``: whether perturbing the required layers' weights changes predictions
    (None: not measured).
    """

    by: str
    error_pct: float | None
    params: int | None
    required_works: bool | None = None
    note: str = ""

    def to_json(self) -> dict[str, Any]:
        return {"by": self.by, "error_pct": self.error_pct, "params": self.params,
                "required_works": self.required_works, "note": self.note}


@dataclass(frozen=True)
class ModelFact:
    """A Keras model the harness saw being trained."""

    name: str
    layers: tuple[str, ...]  # class names, nested layers included (e.g. "Bidirectional", "GRU")
    params: int  # count_params() when training ended


@dataclass(frozen=True)
class HarnessFacts:
    """What the in-child harness observed; facts the printed output could fake."""

    models: tuple[ModelFact, ...] = ()
    training_calls: tuple[str, ...] = ()  # "Model.fit", "Model.train_on_batch", "apply_gradients"
    weights_loaded: tuple[str, ...] = ()  # "load_weights(x.h5)", "keras.models.load_model" ...
    seed_calls: tuple[str, ...] = ()  # "numpy.random.seed", "tf.random.set_seed" ...
    files_opened: tuple[str, ...] = ()  # other than the dataset and the Python installation
    sockets: tuple[str, ...] = ()
    subprocesses: tuple[str, ...] = ()
    test_rows_in_training: int = 0  # test images found among the rows a model was trained on
    count_params_at_print: int | None = None  # model.count_params() of the model printed
    figure_png: bytes | None = None  # the sensitivity analysis, in an analysis run
    evaluation_reached: bool = False  # the provided evaluation started (the model was taken)
    split_applied: bool = False  # the provided split drew the grader's permutation
    #: hashes of what randomness produced when training started ("weights", "python", ...)
    fingerprints: tuple[tuple[str, str], ...] = ()
    weights_changed: bool | None = None  # gradient steps changed the model (None: not seen)
    #: per layer with weights: its class name and whether training changed its weights
    layer_changes: tuple[tuple[str, bool], ...] = ()
    weights_set: tuple[str, ...] = ()  # weights assigned other than by training
    late_training: tuple[str, ...] = ()  # training after the provided evaluation started
