"""Benchmark the review stage: similarity and readability notes for a generated class.

Not a test (pytest does not collect it). The class (300 students by default) is the similarity
corpus under fresh renames, both tasks; the target is under 10 s for all pairs of 300 students.

    python tests/benchmarks/bench_review.py [--students 300]
"""

from __future__ import annotations

import argparse
import hashlib
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # the checkout, for tests.*

from grader.review.known import reference_sources
from grader.review.own_code import Source
from grader.review.stage import review_class
from grader.spec import load_assignment
from tests.benchmarks.eval_similarity import class_of

TARGET_S = 10.0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=300)
    args = parser.parse_args()
    assignment = load_assignment()
    sources = [Source(name, "student", task, text, hashlib.sha256(text.encode()).hexdigest())
               for task, files in class_of(assignment, args.students).items()
               for name, text in files]
    sources += reference_sources(assignment)
    for notes in (False, True):
        start = time.perf_counter()
        review = review_class(sources, assignment=assignment, notes=notes)
        elapsed = time.perf_counter() - start
        what = "similarity and readability notes" if notes else "similarity alone"
        print(f"{what}: {args.students} students x {len(assignment.tasks)} tasks, all pairs: "
              f"{elapsed:.1f} s (target {TARGET_S:.0f} s); {len(review.pairs)} pairs listed, "
              f"{sum(len(n) for n in review.notes.values())} notes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
