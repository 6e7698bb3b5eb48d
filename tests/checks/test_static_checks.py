"""Static checks and the name resolver behind them.

Most behaviour is pinned by the case scripts under ``tests/static_cases/<check id>/``: a few lines
each, with a header stating what the static checks must find, exactly:

    # expect: seed@3, sandbox.file@5      (or "# expect: none")
    # task: task2                         (optional; task1 by default)
    # provided: 2-4, 7                    (optional; lines that count as provided code)

Several ``# expect:`` lines add up.

Findings are compared as a set of ``check@line`` (``layers.required`` has no line); a warning is
written ``check@line:warning``, so a case states the severity of what it expects. A case is
checked against every static check, so a line that two checks report lists both;
``layers.required`` is only compared in the cases of its own folder (every short case builds no
layer at all).
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from grader.checks.base import TaskContext
from grader.checks.static import STATIC_CHECKS
from grader.checks.static.common import Prefixes
from grader.diff.align import align_provided
from grader.original.parse import parse_original
from grader.pysource.qualnames import canonical
from grader.pysource.resolver import Resolver
from grader.pysource.scan import build_scan
from grader.records import Finding, Severity, SourceFile
from grader.spec import Assignment

CASES = Path(__file__).resolve().parents[1] / "static_cases"
STATIC_IDS = {check.id for check in STATIC_CHECKS}
LAYERS = "layers.required"
_HEADER = re.compile(r"^#\s*(expect|task|provided)\s*:\s*(.*?)\s*$")


def case_files() -> list[Path]:
    return sorted(CASES.glob("*/*.py"))


def read_header(text: str) -> dict[str, str]:
    header: dict[str, str] = {}
    for line in text.splitlines():
        if not line.startswith("#"):
            break
        match = _HEADER.match(line)
        if match:
            key, value = match.groups()
            # several "# expect:" lines add up, for cases that expect many findings
            header[key] = f"{header[key]}, {value}" if key == "expect" and key in header else value
    return header


def parse_lines(spec: str) -> frozenset[int]:
    lines: set[int] = set()
    for part in filter(None, (p.strip() for p in spec.split(","))):
        first, _, last = part.partition("-")
        lines.update(range(int(first), int(last or first) + 1))
    return frozenset(lines)


def context(
    assignment: Assignment,
    text: str,
    *,
    task: str = "task1",
    provided: frozenset[int] = frozenset(),
) -> TaskContext:
    spec = assignment.task(task)
    return TaskContext(
        assignment=assignment,
        task=spec,
        file=SourceFile(name=spec.file, path=f"case/{spec.file}", sha256="0" * 64, text=text),
        tree=ast.parse(text),
        original=parse_original(spec),
        provided_lines=provided,
    )


def static_findings(ctx: TaskContext) -> list[Finding]:
    return [finding for check in STATIC_CHECKS for finding in check.check(ctx)]


def label(finding: Finding) -> str:
    """``check@line``, ``check`` without a line, and ``:warning`` after either for a warning."""
    text = finding.check if finding.line is None else f"{finding.check}@{finding.line}"
    return text if finding.severity is Severity.VIOLATION else f"{text}:{finding.severity.value}"


def check_of(label_text: str) -> str:
    """The check id of an expected label (``seed@3`` and ``test_data.use@9:warning`` alike)."""
    return re.split("[@:]", label_text, maxsplit=1)[0]


@pytest.mark.parametrize(
    "path", case_files(), ids=[f"{p.parent.name}/{p.stem}" for p in case_files()]
)
def test_case(path: Path, assignment: Assignment) -> None:
    text = path.read_text(encoding="utf-8")
    header = read_header(text)
    assert "expect" in header, f"{path}: no '# expect:' header"
    expected = (
        set()
        if header["expect"] == "none"
        else {e.strip() for e in header["expect"].split(",") if e.strip()}
    )
    ctx = context(
        assignment,
        text,
        task=header.get("task", "task1"),
        provided=parse_lines(header.get("provided", "")),
    )
    findings = [
        f
        for f in static_findings(ctx)
        if f.check in STATIC_IDS and (f.check != LAYERS or path.parent.name == LAYERS)
    ]
    got = {label(f) for f in findings}
    assert got == expected, "\n".join(f"{label(f)}: {f.message}" for f in findings)


def test_case_scripts_are_not_collected_by_pytest() -> None:
    """pytest collects ``test_*.py`` and ``*_test.py``; a case script must match neither."""
    for path in case_files():
        assert not path.name.startswith("test_") and not path.stem.endswith("_test"), path


def test_every_check_has_a_case_that_triggers_it_and_a_near_miss() -> None:
    folders = {p.name for p in CASES.iterdir() if p.is_dir()}
    assert folders == STATIC_IDS
    for check_id in STATIC_IDS:
        triggers = near_misses = 0
        for path in (CASES / check_id).glob("*.py"):
            expected = read_header(path.read_text())["expect"]
            labels = {check_of(e.strip()) for e in expected.split(",")}
            triggers += check_id in labels
            near_misses += check_id not in labels
        assert triggers and near_misses, check_id


def test_registry_holds_the_design_ids_once() -> None:
    ids = [check.id for check in STATIC_CHECKS]
    assert sorted(ids) == sorted(
        {
            "seed",
            "framework",
            "test_data.use",
            "pretrained",
            "layers.required",
            "sandbox.file",
            "sandbox.network",
            "sandbox.process",
            "monkeypatch",
        }
    )


# ------------------------------------------------------------------ the provided scripts themselves


def _materials(assignment: Assignment) -> Iterator[tuple[str, Path]]:
    for task in assignment.tasks:
        for path in (task.original, task.solution):
            if path.is_file():
                yield task.id, path


def test_originals_and_solutions_are_clean(assignment: Assignment) -> None:
    """With the provided regions aligned as the orchestrator aligns them, the provided code's own
    dataset read, test-set use and imports are not findings; an original builds no layer yet."""
    for task_id, path in _materials(assignment):
        text = path.read_text()
        original = parse_original(assignment.task(task_id))
        ctx = context(
            assignment, text, task=task_id, provided=align_provided(original, text).provided_lines
        )
        labels = {label(f) for f in static_findings(ctx)}
        assert labels == ({LAYERS} if path == assignment.task(task_id).original else set()), path


def test_provided_code_is_what_is_skipped(assignment: Assignment) -> None:
    """The same original without provided lines: its test-set reads are found, so the skip is
    what keeps the originals clean (and the check is not blind to those names)."""
    text = parse_original(assignment.task("task1")).text
    labels = {label(f) for f in static_findings(context(assignment, text))}
    assert {"test_data.use@76", "test_data.use@77"} <= labels


def test_findings_name_the_code_and_one_per_line(assignment: Assignment) -> None:
    text = "import numpy as np\nnp.random.seed(1); np.random.seed(2)\n"
    (finding,) = [f for f in static_findings(context(assignment, text)) if f.check == "seed"]
    assert finding.line == 2 and finding.file == "task1.py"
    assert "`np.random.seed(...)`" in finding.message and "no seeds" in finding.message


def test_layers_message_says_what_was_looked_for(assignment: Assignment) -> None:
    (finding,) = [
        f
        for f in static_findings(context(assignment, "x = 1\n", task="task2"))
        if f.check == LAYERS
    ]
    assert (
        finding.line is None and "recurrent layer" in finding.message and "LSTM" in finding.message
    )


def test_one_scan_per_context(assignment: Assignment) -> None:
    ctx = context(assignment, "import numpy as np\n")
    assert ctx.scan is ctx.scan
    other = context(assignment, "import numpy as np\n")
    assert other.scan is not ctx.scan


# ---------------------------------------------------------------------------------- name resolver


def resolve_all(source: str) -> dict[str, str | None]:
    """What the last line's expression resolves to, keyed by its source."""
    tree = ast.parse(source)
    resolver = Resolver.from_tree(tree)
    last = tree.body[-1]
    assert isinstance(last, ast.Expr)
    return {ast.unparse(last.value): resolver.resolve(last.value)}


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("import numpy as np\nnp.random.seed", "numpy.random.seed"),
        ("from numpy.random import seed as s\ns", "numpy.random.seed"),
        ("import tensorflow as t\nt.keras.layers.Conv2D", "keras.layers.Conv2D"),
        ("from tensorflow import keras\nkeras.layers.GRU", "keras.layers.GRU"),
        ("import keras\nkeras.layers.GRU", "keras.layers.GRU"),
        ("from tensorflow.keras import layers\nlayers.LSTM", "keras.layers.LSTM"),
        ("from keras.layers import Conv2D as C\nC", "keras.layers.Conv2D"),
        ("import tensorflow.python.keras as k\nk.layers.Dense", "keras.layers.Dense"),
        ("import tensorflow as tf\ntf.compat.v1.keras.layers.CuDNNLSTM", "keras.layers.CuDNNLSTM"),
        ("import numpy as np\nr = np.random\nr.seed", "numpy.random.seed"),
        ("import numpy as np\nf = np.random.seed\nf", "numpy.random.seed"),
        ("import numpy as np\na = np\nb = a.random\nb.seed", "numpy.random.seed"),
        ("import numpy as np\ngetattr(np.random, 'se' + 'ed')", "numpy.random.seed"),
        ("import numpy as np\nNAME = 'seed'\ngetattr(np.random, NAME)", "numpy.random.seed"),
        ("__import__('os.path')", "os"),
        ("__import__('os.path', fromlist=['join'])", "os.path"),
        ("import importlib\nimportlib.import_module('numpy.random')", "numpy.random"),
        ("import sys\nsys.modules['numpy'].random", "numpy.random"),
        ("import sys\nsys.modules[__name__].test_x", "__main__.test_x"),
        ("globals()['test_x']", "__main__.test_x"),
        ("import os\nos.__dict__['system']", "os.system"),
        ("import os\nvars(os)['system']", "os.system"),
        ("from os import *\nsystem", "os.system"),
        ("open", "builtins.open"),
        ("__builtins__", "builtins"),
        ("import keras\nm = keras.Sequential()\nm.save", "keras.Sequential().save"),
        ("def open(p):\n    pass\nopen", None),
        ("from . import helpers\nhelpers", None),
        ("x = unknown_call()\nx.seed", None),
    ],
)
def test_resolver(source: str, expected: str | None) -> None:
    ((_, got),) = resolve_all(source).items()
    assert got == expected


def test_first_resolvable_binding_wins_and_parameters_shadow_builtins() -> None:
    tree = ast.parse(
        "import numpy as np\nr = np.random\nr = something_else()\ndef f(open):\n    return open\n"
    )
    resolver = Resolver.from_tree(tree)
    assert resolver.resolve_name("r") == "numpy.random"
    assert resolver.resolve_name("open") is None  # a parameter: not the builtin


def test_constants_are_names_every_binding_of_which_is_constant() -> None:
    tree = ast.parse(
        "import time\nSEED = 40 + 2\nOTHER = SEED\nTWICE = 1\nTWICE = 2\nMIXED = 1\n"
        "MIXED = time.time()\ndef f(x, y=3):\n    pass\nfor LOOP in (1, 2):\n    pass\n"
    )
    resolver = Resolver.from_tree(tree)
    assert set(resolver.constants) == {"SEED", "OTHER"}  # the strings' table: bound once
    assert resolver.is_constant(ast.parse("(SEED, -1)", mode="eval").body)
    for fixed in ("TWICE", "y", "len('seed') + abs(-3)", "TWICE if f else SEED"):
        assert resolver.is_constant(ast.parse(fixed, mode="eval").body), fixed
    for varying in ("MIXED", "x", "LOOP", "int(time.time())", "SEED if f else time.time()"):
        assert not resolver.is_constant(ast.parse(varying, mode="eval").body), varying


def test_single_bindings_keep_any_expression_but_only_once_bound_names() -> None:
    tree = ast.parse(
        "options = {'seed': 1}\nTWICE = {}\nTWICE = {}\ndef f(options2=None):\n    local = [1]\n"
    )
    resolver = Resolver.from_tree(tree)
    assert set(resolver.single) == {"options", "local"}
    assert isinstance(resolver.single["options"], ast.Dict)
    assert "options" not in resolver.constants  # a dictionary is not a constant expression


@pytest.mark.parametrize(
    ("qualname", "expected"),
    [
        ("tensorflow.keras.layers.Conv2D", "keras.layers.Conv2D"),
        ("tensorflow.python.keras.layers.LSTM", "keras.layers.LSTM"),
        ("tensorflow.compat.v2.random.set_seed", "tensorflow.random.set_seed"),
        ("keras.src.layers.GRU", "keras.layers.GRU"),
        ("tf_keras.utils.set_random_seed", "keras.utils.set_random_seed"),
        ("tensorflow.kerasx", "tensorflow.kerasx"),
        ("numpy.random.mtrand.RandomState", "numpy.random.RandomState"),
    ],
)
def test_canonical(qualname: str, expected: str) -> None:
    assert canonical(qualname) == expected


def test_prefixes_match_dotted_parts_and_wildcards() -> None:
    table = Prefixes(["os.system", "os.exec*", "subprocess"])
    assert table.match("subprocess.run") == "subprocess"
    assert table.match("subprocessing") is None
    assert table.match("os.execvp") == "os.exec*"
    assert table.match("os.systemd") is None
    assert table.match(None) is None


def test_scan_walks_every_node_ast_walk_sees() -> None:
    """The fast walk must not skip anything the checks read."""
    text = (Path(__file__).resolve().parents[2] / "reference" / "original" / "task1.py").read_text()
    text += "\nd = {**x, 'k': 1}\nglobal_ = [lambda: (y := 1) for _ in range(2)]\n"
    tree = ast.parse(text)
    scan = build_scan(tree)
    walked = [n for n in ast.walk(tree) if isinstance(n, ast.Name)]
    assert len(scan.names) == len(walked)
    assert len(scan.calls) == sum(isinstance(n, ast.Call) for n in ast.walk(tree))


def test_an_edited_provided_line_is_not_reported_again_but_an_inserted_one_is(
    assignment: Assignment,
) -> None:
    original = parse_original(assignment.task("task1"))
    edited = original.text.replace("predictions != test_y", "predictions == test_y")
    inserted = original.text.replace(
        "test_error = 100.0", "model.fit(test_x, test_y)\ntest_error = 100.0"
    )
    for text, expected in ((edited, set()), (inserted, {"test_data.use@77"})):
        ctx = context(assignment, text, provided=align_provided(original, text).provided_lines)
        labels = {label(f) for f in static_findings(ctx) if f.check == "test_data.use"}
        assert labels == expected


def test_an_edited_provided_dataset_read_is_not_warned_about_but_a_second_read_is(
    assignment: Assignment,
) -> None:
    original = parse_original(assignment.task("task1"))
    provided_read = 'with open("dataset.txt") as dataset_file:'
    assert provided_read in original.text
    edited = original.text.replace(
        provided_read, 'with open("dataset.txt", encoding="ascii") as dataset_file:'
    )
    added = original.text.replace(
        provided_read, f'extra = open("dataset.txt").read()\n{provided_read}'
    )
    line = original.text[: original.text.index(provided_read)].count("\n") + 1
    for text, expected in ((edited, set()), (added, {f"test_data.use@{line}:warning"})):
        ctx = context(assignment, text, provided=align_provided(original, text).provided_lines)
        labels = {label(f) for f in static_findings(ctx) if f.check == "test_data.use"}
        assert labels == expected


def test_rebinding_a_provided_name_is_found_with_the_provided_lines_aligned(
    assignment: Assignment,
) -> None:
    """The provided code binds ``start_time`` itself; only the student's rebinding is reported
    (the check skips its module walk when no such name is bound outside the provided code)."""
    original = parse_original(assignment.task("task1"))
    for text, expected in (
        (original.text, set()),
        (original.text.replace("model = None", "model = None\nstart_time = 0.0"), {"@62"}),
        (original.text.replace("model = None", "model = None\ndef print(*a):\n    pass"), {"@62"}),
    ):
        ctx = context(assignment, text, provided=align_provided(original, text).provided_lines)
        found = {
            label(f)[len("monkeypatch") :] for f in static_findings(ctx) if f.check == "monkeypatch"
        }
        assert found == expected
