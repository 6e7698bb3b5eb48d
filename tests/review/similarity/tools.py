"""The three similarity tools under evaluation, behind one signature.

Each takes one task's files (name and text) and the provided original, and returns a score in
[0, 1] for every pair it rates (pairs it leaves out score 0). All three see only each student's
own code: the grader's winnowing excludes the provided regions itself; copydetect and Dolos get
the text with the provided lines blanked (line numbers kept) and the original as boilerplate.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path

from grader.original.parse import parse_original
from grader.review.own_code import Source, boilerplate, own_code
from grader.review.similarity import Printed, compare
from grader.spec import TaskSpec

from .corpus import own_lines

Files = Sequence[tuple[str, str]]  # (name, text)
Scores = dict[frozenset[str], float]
Tool = Callable[[TaskSpec, Files], Scores]
DOLOS_DIR = Path(tempfile.gettempdir()) / "grader-dolos"


def blank_provided(text: str, task: TaskSpec) -> str:
    own = own_lines(text, task)
    return "".join(line if n in own else "\n"
                   for n, line in enumerate(text.splitlines(keepends=True), start=1))


def grader_winnowing(task: TaskSpec, files: Files) -> Scores:
    original = parse_original(task)
    printed = []
    for name, text in files:
        found = own_code(Source(name, "student", task.id, text, str(hash(text))),
                         original=original)
        if found is not None:
            printed.append(Printed(name, "student", found.source.sha256, found.prints))
    pairs = compare(task.id, printed, boilerplate=boilerplate(original), listed_from=0.0)
    return {frozenset((p.a, p.b)): p.score for p in pairs}


def copydetect_tool(task: TaskSpec, files: Files) -> Scores:
    import copydetect  # evaluation only (the dev extra); untyped, see pyproject [tool.mypy]
    import numpy as np

    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        (root / "original.py").write_text(task.original.read_text(encoding="utf-8"))
        base = copydetect.CodeFingerprint(str(root / "original.py"), 25, 6, language="python")
        prints = []
        for index, (name, text) in enumerate(files):
            path = root / f"{index}.py"
            path.write_text(blank_provided(text, task), encoding="utf-8")
            prints.append((name, copydetect.CodeFingerprint(
                str(path), 25, 6, boilerplate=np.array(sorted(base.hashes)), language="python")))
    scores: Scores = {}
    for i, (a, fa) in enumerate(prints):
        for b, fb in prints[i + 1:]:
            _, (sim_a, sim_b), _ = copydetect.compare_files(fa, fb)
            if max(sim_a, sim_b) > 0:
                scores[frozenset((a, b))] = float(max(sim_a, sim_b))
    return scores


_DOLOS_SCRIPT = """
import { Dolos } from "@dodona/dolos-lib";
const [ignore, ...paths] = process.argv.slice(2);
const report = await new Dolos({ language: "python" }).analyzePaths(paths, ignore);
const out = report.allPairs().map(p => [p.leftFile.path, p.rightFile.path, p.similarity]);
process.stdout.write(JSON.stringify(out));
"""


def dolos_available() -> bool:
    """Whether Dolos is installed for the evaluation (``npm install @dodona/dolos-lib``)."""
    return shutil.which("node") is not None and (
        DOLOS_DIR / "node_modules" / "@dodona" / "dolos-lib").is_dir()


def dolos_tool(task: TaskSpec, files: Files) -> Scores:
    script = DOLOS_DIR / "pairs.mjs"
    script.write_text(_DOLOS_SCRIPT, encoding="utf-8")
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        ignore = root / "original.py"
        ignore.write_text(task.original.read_text(encoding="utf-8"))
        names = {}
        for index, (name, text) in enumerate(files):
            path = root / f"{index}.py"
            path.write_text(blank_provided(text, task), encoding="utf-8")
            names[str(path)] = name
        done = subprocess.run(["node", str(script), str(ignore), *names], cwd=DOLOS_DIR,
                              capture_output=True, text=True, check=True)
    return {frozenset((names[a], names[b])): float(s) for a, b, s in json.loads(done.stdout)}
