"""Benchmark the reference solutions: error, size and timings over fresh-process runs.

Not a test (pytest does not collect it): it takes minutes and its numbers depend on the machine.
Each run is a new Python process in a new temporary folder that holds only the solution, under
its task's file name, and a copy of the dataset, just as a student or the grader would run it,
so every wall time includes TensorFlow's import. The table it prints (Markdown) is the one in
``reference/README.md``.

    python tests/benchmarks/bench_reference.py                  # 5 runs of each task
    python tests/benchmarks/bench_reference.py --runs 1 --tasks task2

Wall time varies with whatever else the machine runs; CPU time (user + system of the child, from
``getrusage(RUSAGE_CHILDREN)``) varies much less, so both are reported, with the load average
before and after as a hint of contention.
"""

from __future__ import annotations

import argparse
import os
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from grader.run.machine import describe_machine
from grader.spec import Assignment, TaskSpec, load_assignment

#: the three lines the provided code prints, in order
OUTPUT_LINES = (
    re.compile(r"Test error: (\d+\.\d\d)%"),
    re.compile(r"Model size: (\d+)"),
    re.compile(r"Duration: (\d+\.\d)s"),
)


class BenchmarkError(RuntimeError):
    """A solution run failed or printed something other than the three provided lines."""


@dataclass(frozen=True)
class RunResult:
    error_pct: float
    model_size: int
    duration_s: float  # as the script printed it
    wall_s: float  # measured from outside, process start to exit
    cpu_s: float  # user + system time of the child process
    stderr: str


@dataclass(frozen=True)
class TaskStats:
    task: str
    runs: int
    error_pct: tuple[float, float]  # (mean, sample standard deviation)
    model_size: int
    wall_s: tuple[float, float]
    cpu_s: tuple[float, float]
    duration_s: float  # mean of the printed durations


def parse_stdout(stdout: str) -> tuple[float, int, float]:
    """The printed (test error, model size, duration); anything else on stdout is an error."""
    lines = stdout.splitlines()
    matches = [pattern.fullmatch(line) for pattern, line in zip(OUTPUT_LINES, lines, strict=False)]
    if len(lines) != len(OUTPUT_LINES) or not all(matches):
        raise BenchmarkError(f"stdout is not the three provided lines: {stdout!r}")
    error, size, duration = (m.group(1) for m in matches if m is not None)
    return float(error), int(size), float(duration)


def run_once(*, script: Path, file_name: str, dataset: Path, timeout_s: float) -> RunResult:
    """Run ``script`` as ``file_name`` in a fresh temporary folder beside a copy of the dataset."""
    with tempfile.TemporaryDirectory(prefix="bench-reference-") as folder:
        work = Path(folder)
        shutil.copyfile(script, work / file_name)
        shutil.copyfile(dataset, work / dataset.name)
        env = {**os.environ, "CUDA_VISIBLE_DEVICES": "", "MPLBACKEND": "Agg"}
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        try:
            process = subprocess.run(
                [sys.executable, file_name],
                cwd=work,
                env=env,
                capture_output=True,
                text=True,
                timeout=timeout_s,
                check=False,
            )
        except subprocess.TimeoutExpired as exc:
            raise BenchmarkError(f"{file_name} ran past {timeout_s:.0f} s") from exc
        wall = time.perf_counter() - start
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if process.returncode != 0:
        raise BenchmarkError(
            f"{file_name} exited with {process.returncode}: {process.stderr.strip()[-2000:]}"
        )
    error, size, duration = parse_stdout(process.stdout)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return RunResult(error, size, duration, wall, cpu, process.stderr)


def _mean_std(values: Sequence[float]) -> tuple[float, float]:
    spread = statistics.stdev(values) if len(values) > 1 else 0.0
    return statistics.fmean(values), spread


def summarise(task: str, results: Sequence[RunResult]) -> TaskStats:
    """Merge one task's runs; the model size must not change between runs."""
    sizes = {r.model_size for r in results}
    if len(sizes) != 1:
        raise BenchmarkError(f"{task}: the model size changed between runs: {sorted(sizes)}")
    return TaskStats(
        task=task,
        runs=len(results),
        error_pct=_mean_std([r.error_pct for r in results]),
        model_size=sizes.pop(),
        wall_s=_mean_std([r.wall_s for r in results]),
        cpu_s=_mean_std([r.cpu_s for r in results]),
        duration_s=statistics.fmean(r.duration_s for r in results),
    )


def render_table(stats: Sequence[TaskStats]) -> str:
    """A Markdown table; ± is the sample standard deviation over the runs."""
    rows = [
        "| task | runs | test error % | model size | wall s | CPU s | printed duration s |",
        "|---|---|---|---|---|---|---|",
    ]
    for s in stats:
        rows.append(
            f"| {s.task} | {s.runs} | {s.error_pct[0]:.2f} ± {s.error_pct[1]:.2f} "
            f"| {s.model_size:,} | {s.wall_s[0]:.1f} ± {s.wall_s[1]:.1f} "
            f"| {s.cpu_s[0]:.1f} ± {s.cpu_s[1]:.1f} | {s.duration_s:.1f} |"
        )
    return "\n".join(rows)


def render_header(*, started: datetime, load_before: tuple[float, ...]) -> str:
    machine = describe_machine()
    load_after = os.getloadavg()
    return "\n".join(
        [
            f"- date: {started:%Y-%m-%d %H:%M} UTC",
            (
                f"- machine: {machine['cpu']}, {machine['cores']} cores, "
                f"Python {machine['python']}, TensorFlow {machine['tensorflow']}"
            ),
            "- load average (1, 5, 15 min) before: "
            + ", ".join(f"{x:.2f}" for x in load_before)
            + "; after: "
            + ", ".join(f"{x:.2f}" for x in load_after),
        ]
    )


def benchmark_task(*, assignment: Assignment, task: TaskSpec, runs: int) -> TaskStats:
    results = []
    for index in range(runs):
        result = run_once(
            script=task.solution,
            file_name=task.file,
            dataset=assignment.dataset,
            timeout_s=assignment.limits.hard_timeout_s,
        )
        results.append(result)
        print(
            f"{task.id} run {index + 1}/{runs}: error {result.error_pct:.2f}%, "
            f"size {result.model_size}, wall {result.wall_s:.1f}s, CPU {result.cpu_s:.1f}s",
            file=sys.stderr,
            flush=True,
        )
        if result.stderr.strip():
            print(f"  stderr: {result.stderr.strip()[-500:]}", file=sys.stderr, flush=True)
    return summarise(task.id, results)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="runs per task (default 5)")
    parser.add_argument("--tasks", help="comma-separated task ids (default: all)")
    parser.add_argument("--assignment", type=Path, help="the spec (default: assignment.toml)")
    args = parser.parse_args(argv)
    if args.runs < 1:
        parser.error("--runs must be at least 1")
    assignment = load_assignment(args.assignment)
    wanted = args.tasks.split(",") if args.tasks else [t.id for t in assignment.tasks]
    try:
        tasks = [assignment.task(task_id) for task_id in wanted]
    except KeyError as exc:
        parser.error(str(exc))
    started = datetime.now(UTC)
    load_before = os.getloadavg()
    try:
        stats = [benchmark_task(assignment=assignment, task=t, runs=args.runs) for t in tasks]
    except BenchmarkError as exc:
        print(f"benchmark failed: {exc}", file=sys.stderr)
        return 1
    print(render_header(started=started, load_before=load_before))
    print()
    print(render_table(stats))
    return 0


if __name__ == "__main__":
    sys.exit(main())
