"""The in-child harness: a transparent run, and the facts it records (scripts in harness_scripts/).

Each script runs in a temporary work folder holding a 300-image copy of the dataset, once under
the harness and, where the output is compared, once bare.
"""

from __future__ import annotations

import ast
import importlib.util
import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np
import pytest

from grader import harness
from grader.harness import CHILD_DIR, CHILD_PATH, command, decode_facts
from grader.harness.child import protocol
from grader.records import HarnessFacts, ModelFact
from grader.run.evaluator import SERVER

SCRIPTS = Path(__file__).resolve().parents[1] / "harness_scripts"
ROOT = Path(__file__).resolve().parents[2]
TEST_NAMES = ("test_x", "test_y")


@dataclass(frozen=True)
class Ran:
    code: int
    stdout: str
    stderr: str
    facts: HarnessFacts | None
    document: bytes


@pytest.fixture()
def workdir(tmp_path: Path) -> Path:
    with open(ROOT / "data" / "dataset.txt") as full:
        head = [next(full) for _ in range(300)]
    (tmp_path / "dataset.txt").write_text("".join(head))
    return tmp_path


def _env(workdir: Path) -> dict[str, str]:
    return {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(workdir),
            "MPLCONFIGDIR": str(workdir), "CUDA_VISIBLE_DEVICES": "", "TF_CPP_MIN_LOG_LEVEL": "3",
            "LANG": "C.UTF-8"}


def _place(workdir: Path, script: str) -> None:
    if script == "syntax_error.py":  # kept out of harness_scripts/, where every file parses
        (workdir / script).write_text('"""Does not parse."""\n\nprint("never"\n')
    else:
        shutil.copy(SCRIPTS / script, workdir / script)


def run_harness(workdir: Path, script: str, *, figure: str | None = None) -> Ran:
    _place(workdir, script)
    facts_path = workdir.parent / f"{workdir.name}.facts"
    with open(facts_path, "wb") as facts_file:
        argv = command(python=sys.executable, facts_fd=facts_file.fileno(), dataset="dataset.txt",
                       test_names=TEST_NAMES, figure=figure, script=script)
        done = subprocess.run(argv, cwd=workdir, env=_env(workdir), capture_output=True,
                              text=True, pass_fds=(facts_file.fileno(),), timeout=300,
                              check=False)
    document = facts_path.read_bytes()
    return Ran(done.returncode, done.stdout, done.stderr, decode_facts(document), document)


def run_bare(workdir: Path, script: str) -> subprocess.CompletedProcess[str]:
    _place(workdir, script)
    return subprocess.run([sys.executable, script], cwd=workdir, env=_env(workdir),
                          capture_output=True, text=True, timeout=300, check=False)


# ------------------------------------------------------------------------------ the parent's API


def test_command_runs_the_child_isolated_with_the_script_last() -> None:
    argv = command(python="py", facts_fd=9, dataset="dataset.txt", test_names=TEST_NAMES,
                   figure="fig.png", script="task1.py")
    assert argv[:3] == ["py", "-I", str(CHILD_PATH)]
    assert argv[3:] == ["--facts-fd", "9", "--dataset", "dataset.txt", "--test-names",
                        "test_x,test_y", "--figure", "fig.png", "--", "task1.py"]
    assert "--figure" not in command(python="py", facts_fd=9, dataset="d", test_names=(),
                                     figure=None, script="s.py")


def test_command_refuses_a_test_name_that_is_not_a_name() -> None:
    with pytest.raises(ValueError):
        command(python="py", facts_fd=9, dataset="d", test_names=("a,b",), figure=None,
                script="s.py")


def test_the_child_package_imports_only_the_standard_library() -> None:
    modules = sorted(CHILD_DIR.glob("*.py"))
    assert CHILD_PATH in modules and CHILD_DIR / "protocol.py" in modules
    lazy_numpy = []
    for path in modules:
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                tops = {alias.name.partition(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.level == 0:
                tops = {(node.module or "").partition(".")[0]}
            else:
                continue  # relative imports: the harness's own modules
            if path == SERVER and tops <= {"keras", "numpy", "tensorflow"} \
                    and node not in tree.body:
                continue  # the evaluator's server, never loaded in a run, imports them lazily
            if tops == {"numpy"} and node not in tree.body:
                lazy_numpy.append(path.name)  # inside a function, after the script imported it
            else:
                assert tops <= sys.stdlib_module_names, (path.name, tops)
    assert sorted(lazy_numpy) == ["checkpoint.py", "rows.py", "trust.py"]


def test_no_harness_module_loads_the_evaluators_server() -> None:
    """``evaluate.py`` shares the folder (the sandbox binds only it) but never a student's run:
    no sibling imports it, so ``_load_siblings`` (``core`` and what it imports) leaves it out."""
    importing = []
    for path in sorted(CHILD_DIR.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.level > 0 and (
                    node.module == SERVER.stem or (not node.module and any(
                        alias.name == SERVER.stem for alias in node.names))):
                importing.append(path.name)
    assert importing == []


def test_the_parent_keeps_no_copy_of_the_protocol() -> None:
    """The version, bounds and list names exist once, in the child's protocol module."""
    parent = Path(harness.__file__)
    assigned = {target.id for node in ast.parse(parent.read_text()).body
                if isinstance(node, ast.Assign | ast.AnnAssign)
                for target in (node.targets if isinstance(node, ast.Assign) else [node.target])
                if isinstance(target, ast.Name)}
    assert not {name for name in assigned if name.startswith("MAX_") or "VERSION" in name}
    assert harness.FACTS_VERSION is protocol.FACTS_VERSION
    assert harness.MAX_DOCUMENT_BYTES is protocol.MAX_DOCUMENT_BYTES


def _document(**fields: object) -> bytes:
    base: dict[str, object] = {"version": protocol.FACTS_VERSION, "models": [],
                               "training_calls": [], "weights_loaded": [], "seed_calls": [],
                               "files_opened": [], "sockets": [], "subprocesses": [],
                               "test_rows_in_training": 0, "count_params_at_print": None}
    base.update(fields)
    return json.dumps(base).encode()


def test_decode_reads_a_document() -> None:
    facts = decode_facts(_document(
        models=[{"name": "sequential", "layers": ["Conv2D", "Dense"], "params": 1490}],
        training_calls=["Model.fit"], test_rows_in_training=7, count_params_at_print=1490))
    assert facts is not None
    assert facts.models[0].layers == ("Conv2D", "Dense") and facts.models[0].params == 1490
    assert facts.training_calls == ("Model.fit",)
    assert facts.test_rows_in_training == 7 and facts.count_params_at_print == 1490


@pytest.mark.parametrize("data", [b"", b"\xff\xfe", b"not json", b"[1, 2]", b'{"version": 99}',
                                  b"[" * 100_000, b" " * (2 << 20)])
def test_decode_returns_none_on_garbage(data: bytes) -> None:
    assert decode_facts(data) is None


def test_decode_ignores_the_tail_of_an_older_longer_document() -> None:
    older = _document(seed_calls=["numpy.random.seed"] * 10)
    newer = _document(seed_calls=["random.seed"])
    facts = decode_facts(newer + older[len(newer):])
    assert facts is not None and facts.seed_calls == ("random.seed",)


def test_decode_clamps_what_an_untrusted_child_wrote() -> None:
    facts = decode_facts(_document(
        seed_calls=["x" * 10_000, 5, None] + ["y"] * 500, files_opened="not a list",
        models=[{"name": "m", "layers": ["L"] * 1000, "params": -3}, "junk"] * 20,
        test_rows_in_training=10**30, count_params_at_print=True))
    assert facts is not None
    assert len(facts.seed_calls) <= protocol.MAX_ENTRIES
    assert len(facts.seed_calls[0]) == protocol.MAX_TEXT
    assert facts.files_opened == ()
    assert len(facts.models) <= protocol.MAX_MODELS
    assert len(facts.models[0].layers) == protocol.MAX_LAYERS
    assert facts.models[0].params == 0
    assert facts.test_rows_in_training == protocol.MAX_COUNT
    assert facts.count_params_at_print is None


def _written_by_the_child(tmp_path: Path, fill: Callable[[Any], None]) -> bytes:
    """What the child's own ``Facts`` writes to its fd after ``fill(facts)``."""
    path = tmp_path / "facts"
    facts = _load_child().Facts(os.open(path, os.O_WRONLY | os.O_CREAT, 0o600))
    fill(facts)
    facts.close()  # closes the fd, as at the end of a run
    return path.read_bytes()


def test_a_document_the_child_writes_is_what_the_parent_decodes(tmp_path: Path) -> None:
    def fill(facts: Any) -> None:
        facts.set_model(1, "sequential", ["Conv2D", "Dense"], 1490)
        facts.add("training_calls", "Model.fit")
        for kind in protocol.FACT_LISTS:
            facts.add(kind, f"a {kind}")
        facts.add(protocol.NOTES, "a note, not a fact")
        facts.matched_test_rows.update({b"a", b"b"})
        facts.count_params_at_print = 1490

    document = _written_by_the_child(tmp_path, fill)
    decoded = decode_facts(document)
    assert decoded is not None
    assert decoded.models == (ModelFact("sequential", ("Conv2D", "Dense"), 1490),)
    assert decoded.training_calls == ("Model.fit", "a training_calls")
    assert all(getattr(decoded, kind)[-1] == f"a {kind}" for kind in protocol.FACT_LISTS)
    assert decoded.test_rows_in_training == 2 and decoded.count_params_at_print == 1490
    assert list(json.loads(document)) == list(protocol.Document.__annotations__)


def test_the_childs_bounds_are_the_parents(tmp_path: Path) -> None:
    """A child at every bound decodes unchanged: neither side cuts what the other kept."""
    def fill(facts: Any) -> None:
        for i in range(protocol.MAX_MODELS + 5):
            facts.set_model(i, "m" * 1000, ["L" * 1000] * (protocol.MAX_LAYERS + 5), i)
        for i in range(protocol.MAX_ENTRIES + 5):
            facts.add("seed_calls", f"{i:03d}" + "s" * 1000)

    decoded = decode_facts(_written_by_the_child(tmp_path, fill))
    assert decoded is not None
    assert len(decoded.models) == protocol.MAX_MODELS
    assert len(decoded.models[0].layers) == protocol.MAX_LAYERS
    assert len(decoded.models[0].name) == len(decoded.models[0].layers[0]) == protocol.MAX_TEXT
    assert len(decoded.seed_calls) == protocol.MAX_ENTRIES
    assert {len(call) for call in decoded.seed_calls} == {protocol.MAX_TEXT}


def test_the_largest_document_the_child_can_write_is_read_whole() -> None:
    worst = "\U0001f600" * protocol.MAX_TEXT  # each character escaped as a surrogate pair
    model = protocol.ModelEntry(name=worst, layers=[worst] * protocol.MAX_LAYERS,
                                params=protocol.MAX_COUNT)
    lists = [worst] * protocol.MAX_ENTRIES
    document = protocol.Document(
        version=protocol.FACTS_VERSION, models=[model] * protocol.MAX_MODELS,
        training_calls=lists, weights_loaded=lists, seed_calls=lists, files_opened=lists,
        sockets=lists, subprocesses=lists, notes=lists, test_rows_in_training=protocol.MAX_COUNT,
        count_params_at_print=protocol.MAX_COUNT, finished=True, weights_set=lists,
        late_training=lists, evaluation_reached=True, split_applied=True,
        fingerprints={worst[:-1] + chr(0x1F600 + i): worst
                      for i in range(protocol.MAX_FINGERPRINTS)},
        weights_changed=True, layer_changes=[[worst, True]] * protocol.MAX_LAYERS)
    data = json.dumps(document, separators=(",", ":")).encode()  # as the child writes it
    assert protocol.MAX_DOCUMENT_BYTES - (1 << 16) < len(data) <= protocol.MAX_DOCUMENT_BYTES
    decoded = decode_facts(data)
    assert decoded is not None and len(decoded.models) == protocol.MAX_MODELS


# ------------------------------------------------------------------------- a transparent run


def test_a_plain_script_runs_as_if_bare_and_leaves_no_facts(workdir: Path) -> None:
    ran, bare = run_harness(workdir, "plain.py"), run_bare(workdir, "plain.py")
    assert (ran.code, ran.stdout, ran.stderr) == (bare.returncode, bare.stdout, bare.stderr)
    assert "argv: ['plain.py']" in ran.stdout and "rows: 300" in ran.stdout
    assert ran.facts == HarnessFacts()
    assert json.loads(ran.document)["finished"] is True


@pytest.mark.parametrize("script, code", [("crash.py", 1), ("exit_code.py", 3),
                                          ("exit_message.py", 1), ("syntax_error.py", 1)])
def test_failures_keep_their_output_traceback_and_exit_code(workdir: Path, script: str,
                                                            code: int) -> None:
    ran, bare = run_harness(workdir, script), run_bare(workdir, script)
    assert ran.code == bare.returncode == code
    assert ran.stdout == bare.stdout
    assert ran.stderr == bare.stderr
    assert ran.facts is not None  # reported on every exit
    if script == "crash.py":
        assert ran.stderr.startswith("Traceback (most recent call last):\n  File \"")
        assert str(CHILD_DIR) not in ran.stderr and "runpy" not in ran.stderr


def test_facts_seen_before_a_kill_are_already_written(workdir: Path) -> None:
    ran = run_harness(workdir, "killed.py")
    assert ran.code == -9
    assert ran.facts is not None and ran.facts.seed_calls == ("random.seed",)
    assert json.loads(ran.document)["finished"] is False


# ---------------------------------------------------------------------------- facts, no TensorFlow


@pytest.mark.parametrize("script", ["seed_numpy.py", "seed_obfuscated.py"])
def test_numpy_seeding_from_the_script_is_recorded(workdir: Path, script: str) -> None:
    ran = run_harness(workdir, script)
    assert ran.code == 0, ran.stderr
    assert ran.facts is not None and ran.facts.seed_calls == ("numpy.random.seed",)


def test_every_other_seeding_route_is_recorded(workdir: Path) -> None:
    ran = run_harness(workdir, "seed_others.py")
    assert ran.facts is not None
    assert set(ran.facts.seed_calls) == {
        "random.seed", "random.Random.seed", "numpy.random.default_rng",
        "numpy.random.RandomState", "numpy.random.SeedSequence", "os.environ['PYTHONHASHSEED']"}


def test_files_sockets_and_processes_are_recorded(workdir: Path) -> None:
    ran = run_harness(workdir, "side_effects.py")
    assert ran.code == 0, ran.stderr
    assert ran.facts is not None
    assert ran.facts.files_opened == ("write weights.txt", "read weights.txt")
    assert ran.facts.sockets == ("getaddrinfo ('127.0.0.1', 9)", "connect ('127.0.0.1', 9)")
    assert len(ran.facts.subprocesses) == 1
    assert ran.facts.subprocesses[0].startswith(f"subprocess.Popen: {sys.executable} -c pass")


def test_a_forked_child_leaves_the_facts_to_its_parent(workdir: Path) -> None:
    ran = run_harness(workdir, "forks.py")
    assert (ran.code, ran.stdout) == (0, "parent done\n")
    assert ran.facts is not None
    assert ran.facts.subprocesses == ("os.fork",) and ran.facts.seed_calls == ()
    assert json.loads(ran.document)["finished"] is True


# --------------------------------------------------------------------- test rows, as a unit


def _load_child() -> ModuleType:
    spec = importlib.util.spec_from_file_location("harness_child_under_test", CHILD_PATH)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


#: training images and test images
Split = tuple[np.ndarray, np.ndarray]


@pytest.fixture(scope="module")
def split() -> Split:
    lines = (ROOT / "data" / "dataset.txt").read_text().split("\n")[:5000]
    images = np.array([[int(p) for p in line.split()[0]] for line in lines if line.strip()],
                      dtype=np.float32).reshape(-1, 28, 28)
    order = np.random.permutation(len(images))
    return images[order[:4000]], images[order[4000:]]


def _matched(split: Split, *arrays: object) -> int:
    child = _load_child()
    facts = child.Facts(-1)
    rows = child.TestRows(facts, list(TEST_NAMES), lambda: {"test_x": split[1]})
    rows.check(list(arrays))
    return len(facts.matched_test_rows)


def test_transformed_test_rows_are_found_among_training_rows(split: Split) -> None:
    train_x, test_x = split
    leaked = np.concatenate([train_x, test_x[:50]])
    assert _matched(split, leaked * 2 - 1) == 50
    assert _matched(split, (leaked * 2 - 1)[..., np.newaxis]) == 50
    assert _matched(split, leaked.reshape(-1, 784) / 3 + 0.1) == 50
    assert _matched(split, leaked.transpose(0, 2, 1)) == 50  # columns as the sequence
    assert _matched(split, 1 - leaked) == 50


def test_training_rows_alone_match_no_test_row(split: Split) -> None:
    train_x, _ = split
    assert _matched(split, train_x * 2 - 1, train_x.transpose(0, 2, 1), 1 - train_x) == 0
    assert _matched(split, np.zeros((10, 32, 32))) == 0  # not 784 values a row: not compared


def test_an_array_is_compared_once_and_a_new_one_again(split: Split) -> None:
    train_x, test_x = split
    child = _load_child()
    facts = child.Facts(-1)
    rows = child.TestRows(facts, list(TEST_NAMES), lambda: {"test_x": test_x})
    clean = train_x * 2 - 1
    rows.check([clean])
    rows.check([clean])  # fit() once per epoch: not compared again
    assert len(rows.compared) == 1 and not facts.matched_test_rows
    rows.check([np.concatenate([clean, test_x[:3] * 2 - 1])])
    assert len(facts.matched_test_rows) == 3


def test_comparing_4000_rows_is_cheap(split: Split) -> None:
    train_x, _ = split
    _matched(split, train_x)  # warm up the module import
    start = time.perf_counter()
    _matched(split, train_x * 2 - 1)
    assert time.perf_counter() - start < 0.5  # measured: about 60 ms with the test patterns


# ------------------------------------------------------------------------- with TensorFlow


@pytest.mark.tensorflow
def test_a_cnn_fit_with_test_rows_as_validation_data(workdir: Path) -> None:
    ran = run_harness(workdir, "cnn_validation.py", figure="figure.png")
    assert ran.code == 0, ran.stderr
    assert ran.stdout == "Model size: 1490\n"
    facts = ran.facts
    assert facts is not None
    assert facts.training_calls == ("Model.fit",)
    assert len(facts.models) == 1 and "Conv2D" in facts.models[0].layers
    assert facts.models[0].params == facts.count_params_at_print == 1490
    assert facts.test_rows_in_training == 100  # every test image, as validation data
    assert facts.seed_calls == () and facts.weights_loaded == ()  # Keras seeds its own
    assert facts.files_opened == () and facts.subprocesses == () and facts.sockets == ()
    assert (workdir / "figure.png").read_bytes().startswith(b"\x89PNG")


@pytest.mark.tensorflow
def test_a_bidirectional_gru_fit_from_a_dataset_of_training_rows(workdir: Path) -> None:
    ran = run_harness(workdir, "rnn_dataset.py")
    assert ran.code == 0, ran.stderr
    facts = ran.facts
    assert facts is not None
    assert facts.training_calls == ("Model.fit",)
    assert {"Bidirectional", "GRU", "GRUCell"} <= set(facts.models[0].layers)
    assert facts.count_params_at_print == facts.models[0].params > 0
    assert facts.test_rows_in_training == 0
    # Keras' own calls of random.seed, numpy.random.seed and tf.random.set_seed are not counted
    assert facts.seed_calls == ("keras.utils.set_random_seed",)
    assert facts.files_opened == ()  # autograph's generated modules are not the script's files


@pytest.mark.tensorflow
def test_loading_weights_is_not_training(workdir: Path) -> None:
    ran = run_harness(workdir, "load_only.py")
    assert ran.code == 0, ran.stderr
    facts = ran.facts
    assert facts is not None
    assert facts.weights_loaded == ("Model.load_weights(saved.weights.h5)",)
    assert facts.training_calls == () and facts.models == ()
    assert facts.count_params_at_print == 7850
