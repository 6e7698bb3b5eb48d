"""Benchmark the report: render a generated class (300 students by default) and time each part.

Not a test (pytest does not collect it). The target is under 10 s for 300 students on a 2-core
machine; the timings depend on what else the machine runs, so each part is timed over a few
repeats and the best is printed beside the median.

    python tests/benchmarks/bench_report.py                 # 300 students, 3 repeats
    python tests/benchmarks/bench_report.py --students 1000 --repeats 1
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(
    0, str(Path(__file__).resolve().parents[2])
)  # the checkout, for tests.report_fixtures

from grader.spec import load_assignment
from tests.report_fixtures import fixture_class, generated_class, meta

TARGET_S = 10.0


def timed(action: Callable[[], object], repeats: int) -> list[float]:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        action()
        times.append(time.perf_counter() - start)
    return times


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=300)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()

    start = time.perf_counter()
    from grader.report import render_report, write_grades_csv  # matplotlib and Jinja2 load here

    print(f"importing the report package (matplotlib, Jinja2): {time.perf_counter() - start:.2f} s")
    assignment = load_assignment()
    start = time.perf_counter()
    results = generated_class(assignment, size=args.students)
    reference = fixture_class(assignment)[1]
    print(f"generated {len(results)} students in {time.perf_counter() - start:.2f} s")

    with tempfile.TemporaryDirectory(prefix="bench-report-") as folder:
        out = Path(folder)
        times = timed(
            lambda: render_report(
                results=results,
                reference=reference,
                meta=meta(),
                assignment=assignment,
                out_dir=out,
            ),
            args.repeats,
        )
        csv_times = timed(
            lambda: write_grades_csv(
                results, out / "grades.csv", tasks=[t.id for t in assignment.tasks]
            ),
            1,
        )
        pages = sorted(out.rglob("*.html"))
        size_mb = sum(p.stat().st_size for p in out.rglob("*") if p.is_file()) / 1e6
        index_kb = (out / "index.html").stat().st_size / 1e3
    best, median = min(times), statistics.median(times)
    print(
        f"render_report: best {best:.2f} s, median {median:.2f} s over {len(times)} repeat(s) "
        f"(each starts from records)"
    )
    print(f"  {len(pages)} pages, {size_mb:.1f} MB in all, index.html {index_kb:.0f} kB")
    print(f"write_grades_csv: {csv_times[0] * 1000:.0f} ms")
    verdict = "OK" if median < TARGET_S else "TOO SLOW"
    print(f"target: under {TARGET_S:.0f} s for {args.students} students: {verdict}")
    return 0 if median < TARGET_S else 1


if __name__ == "__main__":
    sys.exit(main())
