"""Benchmark ``grader check``'s library path: intake plus every diff and static check.

Not a test (pytest does not collect it). It writes a class of N student folders (default 1,000)
to a temporary folder, each holding both task files: variants of the reference solutions (or of
the originals where a solution is missing) with a typical mix of edits, each file made unique so
no cache can help. Then it discovers and checks them all and prints submissions per second.

    python tests/benchmarks/bench_check.py                 # 1,000 submissions, one job per core
    python tests/benchmarks/bench_check.py --count 200 --jobs 1

The target is 200 submissions per second on 2 cores. It also asserts that TensorFlow was never
imported: the static stage must stay free of it.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

from grader.checks.stage import check_many
from grader.intake.discover import discover
from grader.records import Severity
from grader.spec import Assignment, load_assignment

TARGET_PER_S = 200.0

Variant = Callable[[str, int], str | None]  # (base text, student number) -> text, None: missing


def _insert_after_first(text: str, anchor: str, addition: str) -> str:
    at = text.index(anchor) + len(anchor)
    return text[:at] + addition + text[at:]


VARIANTS: dict[str, Variant] = {
    "as given": lambda text, n: text,
    "comments": lambda text, n: text.replace(
        "\nimport numpy as np\n", f"\nimport numpy as np  # arrays, student {n}\n"
    ),
    "flag on": lambda text, n: text.replace("full_output = False", "full_output = True", 1),
    "provided change": lambda text, n: text.replace(
        "predictions != test_y", "predictions == test_y"
    ),
    "more code": lambda text, n: _insert_after_first(
        text,
        "def transform(batch):\n",
        "".join(f"    scale_{i} = {i} * 0.5  # helper\n" for i in range(40)),
    ),
    "missing": lambda text, n: None,
    "syntax error": lambda text, n: text.replace("def transform(batch):", "def transform(batch:"),
}
#: how often each variant occurs in the generated class, out of the sum
MIX = {
    "as given": 10,
    "comments": 4,
    "flag on": 2,
    "provided change": 2,
    "more code": 3,
    "missing": 1,
    "syntax error": 1,
}


def write_class(folder: Path, *, count: int, assignment: Assignment) -> Counter[str]:
    """Write ``count`` student folders into ``folder``; returns how often each variant was used."""
    bases = {
        t.id: (t.solution if t.solution.is_file() else t.original).read_text()
        for t in assignment.tasks
    }
    cycle = [name for name, weight in MIX.items() for _ in range(weight)]
    used: Counter[str] = Counter()
    for n in range(count):
        student = folder / f"s{n:05d}"
        student.mkdir()
        for k, task in enumerate(assignment.tasks):
            variant = cycle[(n + 7 * k) % len(cycle)]
            used[variant] += 1
            text = VARIANTS[variant](bases[task.id], n)
            if text is not None:  # a trailing comment makes every file's content unique
                (student / task.file).write_text(f"{text}# hand-in {n}\n")
    return used


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=1000, help="submissions to generate")
    parser.add_argument(
        "--jobs",
        type=int,
        default=len(os.sched_getaffinity(0)),
        help="processes checking in parallel (default: one per usable core)",
    )
    args = parser.parse_args()
    assignment = load_assignment()
    with tempfile.TemporaryDirectory(prefix="bench-check-") as tmp:
        used = write_class(Path(tmp), count=args.count, assignment=assignment)
        started = time.perf_counter()
        submissions = discover([Path(tmp)], assignment=assignment)
        found = time.perf_counter()
        results = check_many(submissions, assignment=assignment, jobs=args.jobs)
        done = time.perf_counter()
    assert "tensorflow" not in sys.modules, "the static stage imported TensorFlow"
    assert len(submissions) == args.count
    violations: Counter[str] = Counter(
        f.check
        for result in results
        for task in result.values()
        for f in task.findings
        if f.severity is Severity.VIOLATION
    )
    rate = args.count / (done - started)
    print(f"variants (task files): {dict(sorted(used.items()))}")
    print(f"violations found: {dict(sorted(violations.items()))}")
    print(f"intake {found - started:.2f}s, checks {done - found:.2f}s with {args.jobs} job(s)")
    print(
        f"{args.count} submissions in {done - started:.2f}s: {rate:.0f} submissions/s "
        f"(target {TARGET_PER_S:.0f}/s)"
    )
    print("tensorflow imported: no")
    return 0 if rate >= TARGET_PER_S else 1


if __name__ == "__main__":
    raise SystemExit(main())
