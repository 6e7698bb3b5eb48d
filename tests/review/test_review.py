"""The review stage: similarity (each transformation a trigger, honest pairs the near misses) and
readability notes (each kind a trigger and a near miss), in grader check and in the report."""

from __future__ import annotations

import ast
import hashlib
import json
import random
import shutil
from pathlib import Path

import pytest

from grader.cli import main
from grader.records import Severity
from grader.review.canonical import canonical
from grader.review.known import reference_sources
from grader.review.own_code import Source
from grader.review.readability import readability_notes
from grader.review.stage import REFERENCE, review_class, similarity_findings
from grader.spec import Assignment, TaskSpec
from tests.review.similarity.corpus import own_lines
from tests.review.similarity.transforms import TRANSFORMS, everything
from tests.runtime_fakes import FakeExecutor, facts, outcome

ROOT = Path(__file__).resolve().parents[2]


def _source(owner: str, task: str, text: str, kind: str = "student") -> Source:
    return Source(owner, kind, task, text, hashlib.sha256(text.encode()).hexdigest())


def _example(task: str) -> dict[str, str]:
    found = sorted((ROOT / "submissions").glob(f"*/{task}.py"))
    return {p.parent.name: p.read_text() for p in found}


@pytest.mark.parametrize("transformation", [*TRANSFORMS, "all"])
def test_a_transformed_copy_is_similar_to_its_source(assignment: Assignment,
                                                     transformation: str) -> None:
    task = assignment.task("task1")
    texts = _example("task1")
    base = texts["s2302288_ben"] if transformation == "loop" else texts["s2301147_ada"]
    rng = random.Random(1)
    own = own_lines(base, task)
    copy = (everything(base, lambda t: own_lines(t, task), rng) if transformation == "all"
            else TRANSFORMS[transformation](base, own, rng))
    assert copy != base
    sources = [_source(o, "task1", t) for o, t in texts.items()]
    sources.append(_source("copier", "task1", copy))
    review = review_class(sources, assignment=assignment, notes=False)
    original = "s2302288_ben" if transformation == "loop" else "s2301147_ada"
    (pair,) = [p for p in review.pairs_of("copier") if p.similar]
    assert {pair.a, pair.b} == {"copier", original} and not pair.identical
    (finding,) = similarity_findings(review, owner="copier", task="task1", file="task1.py")
    assert finding.severity is Severity.WARNING and original in finding.message
    assert finding.line is not None


def test_the_example_class_holds_no_similar_pair(assignment: Assignment) -> None:
    """The near miss: honest students of a small task look alike, and are not warned about."""
    sources = [_source(o, t.id, text) for t in assignment.tasks
               for o, text in _example(t.id).items()]
    review = review_class([*sources, *reference_sources(assignment)], assignment=assignment,
                          notes=False)
    assert review.pairs and not [p for p in review.pairs if p.similar]


def test_byte_identical_hand_ins_are_named_with_their_shared_runs(assignment: Assignment) -> None:
    text = _example("task2")["s2301147_ada"]
    review = review_class([_source("a", "task2", text), _source("b", "task2", text)],
                          assignment=assignment, notes=False)
    (pair,) = review.pairs
    assert pair.identical and pair.score == 1.0
    for owner in ("a", "b"):
        (finding,) = similarity_findings(review, owner=owner, task="task2", file="task2.py")
        assert "byte-identical" in finding.message and "share their stored runs" in finding.message


def test_provided_code_alone_makes_no_pair(assignment: Assignment) -> None:
    """Two hand-ins that share only the provided regions (and the flags) are not alike."""
    original = assignment.task("task1").original.read_text()
    one = original.replace("model = None", "model = keras.Sequential([keras.layers.Dense(10)])")
    two = original.replace("model = None", "net = build_network(depth=3, width=64)\nmodel = net")
    review = review_class([_source("a", "task1", one), _source("b", "task1", two)],
                          assignment=assignment, notes=False)
    assert not review.pairs


def test_the_reference_is_shown_but_never_a_warning(assignment: Assignment) -> None:
    (solution,) = [s for s in reference_sources(assignment) if s.task == "task1"]
    review = review_class([_source("s1", "task1", solution.text), solution],
                          assignment=assignment, notes=False)
    (pair,) = review.pairs
    assert pair.b == REFERENCE and pair.identical
    assert similarity_findings(review, owner="s1", task="task1", file="task1.py") == []


def test_sequential_list_and_add_calls_and_loops_canonicalise_alike() -> None:
    listed = "m = keras.Sequential([layers.Dense(8), layers.Dense(10)])\n"
    added = "net = keras.Sequential()\nnet.add(layers.Dense(16))\nnet.add(layers.Dense(10))\n"
    looped = ("net = keras.Sequential()\nfor layer in [layers.Dense(3), layers.Dense(4)]:\n"
              "    net.add(layer)\n")
    ranged = "for i in range(2):\n    x = f(i)\n"
    repeated = "y = f(0)\ny = f(1)\n"
    forms = [canonical(ast.parse(t).body).text for t in (listed, added, looped)]
    assert forms[0] == forms[1] == forms[2]
    assert canonical(ast.parse(ranged).body).text == canonical(ast.parse(repeated).body).text
    long_loop = "for i in range(100):\n    x = f(i)\n"  # near miss: a training loop stays
    assert "for" in canonical(ast.parse(long_loop).body).text


NOTES = [  # (kind, code that triggers it, the near miss that must not)
    ("unused import", "import json\n", "import json\nprint(json.dumps(1))\n"),
    ("unused variable", "def f():\n    x = 1\n    return 2\n",
     "def f():\n    x = 1\n    return x\n"),
    ("undefined name", "print(nowhere)\n", "nowhere = 1\nprint(nowhere)\n"),
    ("star import", "from math import *\n", "from math import pi\nprint(pi)\n"),
    ("shadowed builtin", "list = [1]\nprint(list)\n", "items = [1]\nprint(items)\n"),
    ("unreachable code", "def f():\n    return 1\n    print(2)\n",
     "def f():\n    print(2)\n    return 1\n"),
    ("commented-out code", "# model.add(layers.Dense(10))\n", "# a dense layer of ten classes\n"),
    ("magic number", "x = int(input())\nif x > 37:\n    print(x)\n",
     "LIMIT = 37\nx = int(input())\nif x > LIMIT:\n    print(x)\n"),
    ("repeated number", "a = [64]\nb = [64]\nc = [64]\n", "WIDTH = 64\na = [WIDTH]\nb = [WIDTH]\n"),
    ("complex function",
     "def f(a):\n" + "".join(f"    if a == {i}:\n        return {i}\n" for i in range(9))
     + "    return 0\n",
     "def f(a):\n    if a:\n        return 1\n    return 0\n"),
]


@pytest.mark.parametrize(("kind", "trigger", "near_miss"), NOTES, ids=[n[0] for n in NOTES])
def test_each_readability_note_and_its_near_miss(kind: str, trigger: str, near_miss: str) -> None:
    def kinds(text: str) -> set[str]:
        lines = frozenset(range(1, text.count("\n") + 2))
        return {n.kind for n in readability_notes({"x": (text, lines)})["x"]}

    assert kind in kinds(trigger)
    assert kind not in kinds(near_miss)


def test_notes_on_provided_lines_are_left_out() -> None:
    text = "import json\nimport os\nprint(os.sep)\n"
    notes = readability_notes({"x": (text, frozenset({2, 3}))})["x"]
    assert notes == []


def _copy_class(tmp_path: Path, students: dict[str, str], task: str = "task1") -> Path:
    root = tmp_path / "class"
    for student, text in students.items():
        (root / student).mkdir(parents=True)
        (root / student / f"{task}.py").write_text(text)
    return root


def test_check_warns_both_students_and_compares_with_a_folder(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    ada = _example("task1")["s2301147_ada"]
    copy = TRANSFORMS["rename"](ada, own_lines(ada, _task1()), random.Random(3))
    root = _copy_class(tmp_path, {"one": ada, "two": copy})
    assert main(["check", "--json", str(root)]) == 1  # task2 is missing: a violation
    found = {e["id"]: e["tasks"]["task1"]["findings"] for e in json.loads(capsys.readouterr().out)}
    for student, other in (("one", "two"), ("two", "one")):
        (warning,) = [f for f in found[student] if f["check"] == "similarity"]
        assert warning["severity"] == "warning" and other in warning["message"]
    earlier = tmp_path / "2025"
    (earlier / "old").mkdir(parents=True)
    (earlier / "old" / "task1.py").write_text(copy)
    alone = _copy_class(tmp_path / "b", {"solo": ada})
    main(["check", str(alone), "--compare-with", str(earlier)])
    out = capsys.readouterr().out
    assert "similarity" in out and "known solution 2025/old" in out


def _task1() -> TaskSpec:
    from grader.spec import load_assignment

    return load_assignment().task("task1")


def test_the_report_has_a_similarity_page_a_column_and_a_review_section(
    tmp_path: Path, assignment: Assignment
) -> None:
    from grader.pipeline import grade

    ada = _example("task1")["s2301147_ada"]
    chen = _example("task1")["s2303051_chen"]
    root = _copy_class(tmp_path, {"one": ada, "two": ada, "three": chen})
    fake = FakeExecutor(lambda spec: outcome(spec.index, error=3.0, isolated=True,
                                             facts=facts(layers=("Conv2D", "Dense"))))
    grade(paths=[root], assignment=assignment, out_dir=tmp_path / "out", executor=fake,
          runs=1, tasks=["task1"], analysis=False)
    out = tmp_path / "out"
    page = (out / "similarity.html").read_text()
    assert "byte-identical" in page and 'class="line match"' in page
    index = (out / "index.html").read_text()
    assert "similarity.html" in index and "identical to" in index
    student = next((out / "students").glob("one*.html")).read_text()
    assert "Review aids" in student and "share their stored runs" in student
    results = json.loads((out / "results.json").read_text())
    checks = {s["id"]: [f["check"] for f in s["tasks"]["task1"]["findings"]]
              for s in results["submissions"]}
    assert "similarity" in checks["one"] and "similarity" not in checks["three"]
    shutil.rmtree(out / "students")
    assert main(["report", str(out)]) == 0  # re-rendered from the store's texts alone
    assert "byte-identical" in (out / "similarity.html").read_text()


def test_scores_are_the_same_in_every_process(assignment: Assignment, tmp_path: Path) -> None:
    """Fingerprints hash token keys, not salted strings: a re-rendered report keeps its scores."""
    import subprocess
    import sys

    script = (
        "from pathlib import Path\n"
        "from grader.original.parse import parse_original\n"
        "from grader.review.own_code import Source, own_code\n"
        "from grader.spec import load_assignment\n"
        "task = load_assignment().task('task1')\n"
        "text = Path('submissions/s2301147_ada/task1.py').read_text()\n"
        "found = own_code(Source('a', 'student', 'task1', text, ''),"
        " original=parse_original(task))\n"
        "print(sorted(found.prints.hashes))\n"
    )
    runs = {
        subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True,
                       check=True, env={"PYTHONPATH": str(ROOT), "PYTHONHASHSEED": seed}).stdout
        for seed in ("1", "2")
    }
    assert len(runs) == 1 and runs.pop().startswith("[")


def test_code_nested_too_deeply_is_no_crash(assignment: Assignment) -> None:
    """A hand-in whose syntax tree is deeper than Python's recursion limit is one student's
    problem: no fingerprints, no notes crash, and the rest of the class is still compared."""
    original = assignment.task("task1").original.read_text()
    deep = original.replace("model = None", "model = None\ny = " + "-" * 900 + "1\n")
    ada = _example("task1")["s2301147_ada"]
    review = review_class([_source("deep", "task1", deep), _source("a", "task1", ada),
                           _source("b", "task1", ada)], assignment=assignment)
    assert [(p.a, p.b) for p in review.pairs] == [("a", "b")]
    assert ("deep", "task1") in review.notes


def test_known_solutions_are_kept_for_later_reports_and_a_damaged_list_is_exit_2(
    tmp_path: Path, assignment: Assignment, capsys: pytest.CaptureFixture[str]
) -> None:
    from grader.pipeline import grade
    from grader.store.database import Store

    ada = _example("task1")["s2301147_ada"]
    copy = TRANSFORMS["literals"](ada, own_lines(ada, _task1()), random.Random(4))
    root = _copy_class(tmp_path, {"now": copy})
    earlier = _copy_class(tmp_path / "y2025", {"old": ada})
    fake = FakeExecutor(lambda spec: outcome(spec.index, error=3.0, isolated=True,
                                             facts=facts(layers=("Conv2D", "Dense"))))
    out = tmp_path / "out"
    grade(paths=[root], assignment=assignment, out_dir=out, executor=fake, runs=1,
          tasks=["task1"], analysis=False, compare_with=[earlier])
    assert main(["report", str(out)]) == 0  # no --compare-with: the stored ones still count
    results = json.loads((out / "results.json").read_text())
    (warning,) = [f for f in results["submissions"][0]["tasks"]["task1"]["findings"]
                  if f["check"] == "similarity"]
    assert "known solution class/old" in warning["message"]
    with Store.in_folder(out) as store:
        store.set_meta(compare_with="not a list")
    capsys.readouterr()
    assert main(["report", str(out)]) == 2
    assert "compare_with" in capsys.readouterr().err
