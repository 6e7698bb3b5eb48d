"""Evaluate the similarity tools on the generated corpus: precision, recall and speed.

Not a test (pytest does not collect it). The corpus (``tests/review/similarity/corpus.py``) copies
every hand-in of the example class and the reference under each transformation students use to hide
a copy; honest pairs are different authors. For each tool it prints the threshold with the best F1
and its precision and recall, the recall per transformation, and the time to compare a class of 300
(two tasks) all-pairs. Dolos is evaluated when ``npm install @dodona/dolos-lib`` was run in the
folder ``tools.DOLOS_DIR`` names; copydetect when it is installed (the dev extra).

    python tests/benchmarks/eval_similarity.py [--students 300] [--tools grader,copydetect,dolos]
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # the checkout, for tests.*

from grader.review.similarity import SIMILAR_FROM
from grader.spec import Assignment, load_assignment
from tests.review.similarity.corpus import build, labelled_pairs, own_lines
from tests.review.similarity.tools import (
    Tool,
    copydetect_tool,
    dolos_available,
    dolos_tool,
    grader_winnowing,
)
from tests.review.similarity.transforms import rename

TOOLS: dict[str, Tool] = {"grader": grader_winnowing, "copydetect": copydetect_tool,
                          "dolos": dolos_tool}


def scores(tool: Tool, assignment: Assignment) -> list[tuple[float, bool, str]]:
    """(score, copied, variant) for every labelled pair of the corpus."""
    files = build(assignment)
    by_task = {t.id: tool(t, [(f.name, f.text) for f in files if f.task == t.id])
               for t in assignment.tasks}
    return [(by_task[a.task].get(frozenset((a.name, b.name)), 0.0), copied, b.variant)
            for a, b, copied in labelled_pairs(files)]


def best(rated: list[tuple[float, bool, str]]) -> tuple[float, float, float, float]:
    """The threshold with the best F1, and its precision, recall and F1."""
    top = (0.0, 0.0, 0.0, 0.0)
    for threshold in sorted({s for s, _, _ in rated if s > 0}):
        top = max(top, at(rated, threshold), key=lambda r: r[3])
    return top


def at(rated: list[tuple[float, bool, str]], threshold: float) -> tuple[float, float, float, float]:
    hits = sum(1 for s, c, _ in rated if c and s >= threshold)
    flagged = sum(1 for s, _, _ in rated if s >= threshold)
    copies = sum(1 for _, c, _ in rated if c)
    precision = hits / flagged if flagged else 0.0
    recall = hits / copies if copies else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return threshold, precision, recall, f1


def class_of(assignment: Assignment, students: int) -> dict[str, list[tuple[str, str]]]:
    """``students`` distinct hand-ins per task: corpus files under fresh renames."""
    rng = random.Random(7)
    files = build(assignment)
    out: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for task in assignment.tasks:
        pool = [f for f in files if f.task == task.id]
        for n in range(students):
            text = pool[n % len(pool)].text
            out[task.id].append((f"s{n:04d}", rename(text, own_lines(text, task), rng)))
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=300)
    parser.add_argument("--tools", default="grader,copydetect,dolos")
    args = parser.parse_args()
    assignment = load_assignment()
    big = class_of(assignment, args.students)
    print("| tool | best threshold | precision | recall | F1 | recall per transformation "
          f"| {args.students} students, all pairs |")
    print("|---|---|---|---|---|---|---|")
    for name in args.tools.split(","):
        if name == "dolos" and not dolos_available():
            print(f"| dolos | not installed in {Path('$TMPDIR/grader-dolos')} | | | | | |")
            continue
        tool = TOOLS[name]
        rated = scores(tool, assignment)
        threshold, precision, recall, f1 = best(rated)
        if name == "grader":
            threshold, precision, recall, f1 = at(rated, SIMILAR_FROM)
        per = defaultdict(list)
        for s, copied, variant in rated:
            if copied:
                per[variant].append(s >= threshold)
        recall_by = ", ".join(f"{v} {sum(h) / len(h):.0%}" for v, h in sorted(per.items()))
        start = time.perf_counter()
        for task in assignment.tasks:
            tool(task, big[task.id])
        elapsed = time.perf_counter() - start
        print(f"| {name} | {threshold:.2f} | {precision:.2f} | {recall:.2f} | {f1:.2f} "
              f"| {recall_by} | {elapsed:.1f} s |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
