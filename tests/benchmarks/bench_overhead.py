"""Benchmark the grader's overhead: a task script under ``run_one`` against the same script bare.

Not a test (pytest does not collect it): it runs real TensorFlow for minutes. For each task it
runs the reference solution (or, where there is none, a tiny TensorFlow script) alternately bare
(``python FILE`` in a fresh temporary folder beside a copy of the dataset) and through
``run_one`` (harness, limits, cgroups and the detected isolation), swapping which goes first in
each round so that drift in the machine's load falls on both alike. Both get the same threads
and the same environment variables that matter to TensorFlow, so the difference is the grader's
own cost: the wrapper's start, the harness's audit hook and wrappers, the dataset hashing.

    python tests/benchmarks/bench_overhead.py                     # 2 rounds of each task
    python tests/benchmarks/bench_overhead.py --rounds 1 --tasks task1
    python tests/benchmarks/bench_overhead.py --whole              # the whole command instead

With ``--whole`` it times the whole command instead, ``grader run --jobs 1 --runs 1 --no-analysis``
(intake, static checks, the store, results and the HTML report included) on a small class (the
reference solutions and two students of the example class), against the sum of the same scripts
run bare one after the other, each pinned to the cores the grader pins its run to (with one
thread per run, one core: the grader pins a run to as many cores as it has threads, whatever
``--jobs`` is); a second round runs them in the other order.

The target is under 5 % of wall time. Wall time is noisy on a shared machine; CPU time is
reported too (from the run's cgroup under isolation, from rusage bare).
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

from grader.original.parse import parse_original
from grader.records import RunSpec, RunStatus
from grader.run.evaluator import TrustedEvaluator
from grader.run.flags import force_flags
from grader.run.local import core_sets
from grader.run.one import run_one
from grader.run.planning import run_trust
from grader.sandbox.detect import detect_isolation
from grader.sandbox.isolation import scrubbed_env
from grader.spec import Assignment, load_assignment

TINY_SCRIPT = """\
import tensorflow as tf
x = tf.random.normal((256, 32))
model = tf.keras.Sequential([tf.keras.Input((32,)), tf.keras.layers.Dense(8)])
model.compile("adam", "mse")
model.fit(x, tf.zeros((256, 8)), epochs=2, verbose=0)
print("done")
"""


@dataclasses.dataclass(frozen=True)
class Timing:
    wall_s: float
    cpu_s: float


#: the trusted evaluator, long-lived as an executor's is (started before the first timed run)
EVALUATOR = TrustedEvaluator()


def bare(spec: RunSpec, cores: Sequence[int] | None = None) -> Timing:
    """``spec``'s script run plainly in a temporary folder, with the same threads as the grader
    and, with ``cores``, pinned to the same cores as the grader pins its run."""
    with tempfile.TemporaryDirectory(prefix="bench-overhead-") as folder:
        work = Path(folder)
        (work / spec.script_name).write_text(spec.script_text)
        shutil.copyfile(spec.dataset_path, work / Path(spec.dataset_path).name)
        env = {**os.environ, **scrubbed_env(workdir=work, threads=spec.threads)}
        env["PATH"] = os.environ.get("PATH", env["PATH"])
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        pin = (lambda: os.sched_setaffinity(0, cores)) if cores else None
        done = subprocess.run([sys.executable, spec.script_name], cwd=work, env=env,
                              capture_output=True, timeout=spec.timeout_s, check=False,
                              preexec_fn=pin)
        wall = time.perf_counter() - start
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        raise SystemExit(f"bare run failed: {done.stderr.decode()[-2000:]}")
    cpu = after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime
    return Timing(wall, cpu)


def sandboxed(spec: RunSpec) -> Timing:
    """``spec`` through ``run_one``, timed from outside (work folder, hashing and all)."""
    start = time.perf_counter()
    outcome = run_one(spec, evaluator=EVALUATOR)
    wall = time.perf_counter() - start
    if outcome.status is not RunStatus.OK:
        raise SystemExit(f"sandboxed run ended {outcome.status}: {outcome.note}\n"
                         f"{outcome.stderr[-2000:]}")
    return Timing(wall, outcome.cpu_s)


def task_spec(assignment: Assignment, task_id: str) -> RunSpec:
    """The spec the pipeline would make for the task's reference solution (a scored run)."""
    task = assignment.task(task_id)
    original = parse_original(task)
    if task.solution.is_file():
        text = force_flags(task.solution.read_text(), dict.fromkeys(original.flags, False))
    else:
        text = TINY_SCRIPT
    return RunSpec(
        submission_id="benchmark", task=task_id, index=0, script_name=task.file,
        script_text=text, script_sha256="", dataset_path=str(assignment.dataset),
        dataset_sha256=assignment.dataset_sha256, timeout_s=assignment.limits.hard_timeout_s,
        memory_mb=assignment.limits.memory_mb, output_kb=assignment.limits.output_kb,
        processes=assignment.limits.processes,
        threads=assignment.limits.threads,
        test_names=tuple(sorted(original.test_names)),
        trust=run_trust(original, text, task),  # the grader's split and evaluation (issue 10)
    )


#: example-class students whose scripts all run to the end (see submissions/README.md)
WHOLE_STUDENTS = ("s2301147_ada", "s2302288_ben")


def whole_class(assignment: Assignment, folder: Path) -> list[RunSpec]:
    """Write the small class graded by ``--whole`` into ``folder``; the specs of its scripts."""
    specs = []
    sources = {"reference": {t.id: t.solution for t in assignment.tasks}}
    for student in WHOLE_STUDENTS:
        sources[student] = {t.id: assignment.root / "submissions" / student / t.file
                            for t in assignment.tasks}
    for student, files in sources.items():
        (folder / student).mkdir(parents=True)
        for task_id, path in files.items():
            task = assignment.task(task_id)
            shutil.copyfile(path, folder / student / task.file)
            original = parse_original(task)
            specs.append(dataclasses.replace(
                task_spec(assignment, task_id), submission_id=student,
                script_text=force_flags(path.read_text(), dict.fromkeys(original.flags, False)),
            ))
    return specs


def whole_command(folder: Path, out: Path) -> float:
    """Wall time of ``grader run --jobs 1 --runs 1 --no-analysis`` on the class in ``folder``."""
    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "grader", "run", str(folder), "--out", str(out), "--jobs", "1",
         "--runs", "1", "--no-analysis", "--fresh"],
        capture_output=True, text=True, check=False,
    )
    wall = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"grader run failed: {done.stderr[-2000:]}")
    return wall


def measure_whole(assignment: Assignment, rounds: int) -> None:
    with tempfile.TemporaryDirectory(prefix="bench-whole-") as tmp:
        folder, out = Path(tmp) / "class", Path(tmp) / "report"
        specs = whole_class(assignment, folder)
        sums: list[float] = []
        commands: list[float] = []
        for round_ in range(rounds):
            steps = ("bare", "grader") if round_ % 2 == 0 else ("grader", "bare")
            for step in steps:
                if step == "bare":  # on the one core `grader run --jobs 1` pins its runs to
                    pinned = core_sets(1, size=assignment.limits.threads)[0]
                    sums.append(sum(bare(spec, pinned).wall_s for spec in specs))
                else:
                    commands.append(whole_command(folder, out))
                print(f"  whole, round {round_ + 1}, {step}: "
                      f"{(sums if step == 'bare' else commands)[-1]:.1f} s",
                      file=sys.stderr, flush=True)
    ratio = statistics.fmean(commands) / statistics.fmean(sums)
    print(f"\nwhole command on {len(specs)} scripts ({rounds} round(s)): bare sum "
          f"{_mean(sums)} s, `grader run --jobs 1` {_mean(commands)} s, overhead "
          f"{100 * (ratio - 1):+.1f} %")


def _mean(values: Sequence[float]) -> str:
    spread = statistics.stdev(values) if len(values) > 1 else 0.0
    return f"{statistics.fmean(values):.2f} ± {spread:.2f}"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=2, help="bare + sandboxed pairs per task")
    parser.add_argument("--tasks", help="comma-separated task ids (default: all)")
    parser.add_argument("--assignment", type=Path, help="the spec (default: assignment.toml)")
    parser.add_argument("--whole", action="store_true",
                        help="time the whole `grader run` command on a small class instead")
    args = parser.parse_args(argv)
    assignment = load_assignment(args.assignment)
    tasks = args.tasks.split(",") if args.tasks else [t.id for t in assignment.tasks]
    isolation = detect_isolation()
    print(f"isolation: {isolation.kind}; load average before: {os.getloadavg()}")
    if args.whole:
        measure_whole(assignment, args.rounds)
        print(f"load average after: {os.getloadavg()}")
        return 0
    EVALUATOR.warm()
    print("| task | rounds | bare wall s | sandboxed wall s | bare CPU s | sandboxed CPU s "
          "| wall overhead |")
    print("|---|---|---|---|---|---|---|")
    for task_id in tasks:
        spec = task_spec(assignment, task_id)
        plain: list[Timing] = []
        boxed: list[Timing] = []
        for round_ in range(args.rounds):
            order = (bare, sandboxed) if round_ % 2 == 0 else (sandboxed, bare)
            for runner in order:
                timing = runner(spec)
                (plain if runner is bare else boxed).append(timing)
                print(f"  {task_id} {runner.__name__}: wall {timing.wall_s:.2f} s, "
                      f"CPU {timing.cpu_s:.2f} s", file=sys.stderr, flush=True)
        ratio = statistics.fmean(t.wall_s for t in boxed) / statistics.fmean(
            t.wall_s for t in plain)
        print(f"| {task_id} | {args.rounds} | {_mean([t.wall_s for t in plain])} "
              f"| {_mean([t.wall_s for t in boxed])} | {_mean([t.cpu_s for t in plain])} "
              f"| {_mean([t.cpu_s for t in boxed])} | {100 * (ratio - 1):+.1f} % |", flush=True)
    print(f"load average after: {os.getloadavg()}")
    EVALUATOR.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
