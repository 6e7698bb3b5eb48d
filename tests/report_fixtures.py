"""Records for the report's tests: a small hand-made class that shows every verdict (and one
hostile student), and a generated class of any size for the benchmark.

Only records are built here (the report's input contract); diffs are real unified diffs of edited
copies of the provided originals, so line numbers and provided regions are the true ones.
"""

from __future__ import annotations

import hashlib
import random
import statistics
import struct
import zlib
from collections.abc import Sequence
from dataclasses import dataclass

from grader.diff.churn import diff_summary
from grader.original.parse import parse_original
from grader.records import (
    DiffSummary,
    Finding,
    HarnessFacts,
    ModelFact,
    ReportMeta,
    RunMetrics,
    RunOutcome,
    RunStatus,
    Severity,
    SubmissionResult,
    TaskResult,
    TaskSummary,
    Verdict,
)
from grader.spec import Assignment

HOSTILE_ID = "eve<script>alert('id')</script>"
GENERATED_AT = "2025-01-31T14:05:00+00:00"
LAYERS = {"task1": ("Conv2D", "MaxPooling2D", "Flatten", "Dense"), "task2": ("GRU", "Dense")}


def tiny_png(width: int = 48, height: int = 20) -> bytes:
    """A real PNG (a red gradient), standing in for a sensitivity-analysis figure."""
    rows = b"".join(
        b"\x00" + bytes(v for x in range(width) for v in (255, 255 - 5 * x % 256, 200))
        for _ in range(height)
    )

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data))
            + kind
            + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
        )

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


def meta(*, warnings: Sequence[str] = (), generated_at: str = GENERATED_AT) -> ReportMeta:
    return ReportMeta(
        assignment="Assignment 3: CNNs and RNNs",
        grader_version="0.1.0",
        machine={
            "cpu": "Test CPU @ 2.0GHz",
            "cores": 2,
            "python": "3.11.2",
            "tensorflow": "2.21.0",
        },
        settings={
            "runs": 5,
            "jobs": 2,
            "tasks": ["task1", "task2"],
            "timeout_s": 600.0,
            "threads_per_run": 1,
            "analysis": True,
            "scheduler": None,
        },
        generated_at=generated_at,
        warnings=tuple(warnings),
    )


# ------------------------------------------------------------------------------------ the scripts


def edited(
    assignment: Assignment,
    task: str,
    *,
    units: int = 32,
    seed_line: bool = False,
    split: int | None = None,
    comment: str = "",
) -> str:
    """The original of ``task`` with the student regions filled in, and optional misdeeds."""
    text = parse_original(assignment.task(task)).text
    layer = "Conv2D(units, 3, activation='relu')" if task == "task1" else "GRU(units)"
    text = text.replace(
        "def transform(batch):\n    return batch\n",
        "def transform(batch):\n    return 2.0 * batch - 1.0\n",
    )
    model = (
        f"units = {units}\nmodel = tf.keras.Sequential([\n"
        f"    tf.keras.layers.{layer},\n    tf.keras.layers.Flatten(),\n"
        "    tf.keras.layers.Dense(10),\n])\n"
    )
    text = text.replace("model = None\n", model)
    training = (
        "model.compile('adam', tf.keras.losses.SparseCategoricalCrossentropy(True))\n"
        "model.fit(transform(train_x), train_y, epochs=5, verbose=full_output)\n"
    )
    if seed_line:
        training = "np.random.seed(0)\n" + training
    anchor = "when full_output is True.\n"
    text = text.replace(anchor, anchor + "\n" + training, 1)
    if split is not None:
        text = text.replace("labels[order[:4000]]", f"labels[order[:{split}]]", 1)
    if comment:
        text = text.replace("def transform(batch):\n", f"# {comment}\ndef transform(batch):\n")
    return text


def line_of(text: str, needle: str) -> int:
    return next(n for n, line in enumerate(text.splitlines(), start=1) if needle in line)


def diff_of(assignment: Assignment, task: str, text: str) -> DiffSummary:
    return diff_summary(
        parse_original(assignment.task(task)), text, name=assignment.task(task).file
    )


# --------------------------------------------------------------------------------------- the runs


def run(
    index: int, *, error: float | None, size: int, duration: float, status: RunStatus = RunStatus.OK
) -> RunMetrics:
    ok = status is RunStatus.OK
    return RunMetrics(
        index,
        status,
        error if ok else None,
        size if ok else None,
        duration if ok else None,
        round(duration + 2.5, 3),
        round(duration * 1.7, 3),
        850.0 + index,
    )


def outcome(
    metrics: RunMetrics, *, task: str, stdout: str = "", stderr: str = "", note: str = ""
) -> RunOutcome:
    printed = stdout or (
        f"Test error: {metrics.error_pct:.2f}%\nModel size: {metrics.model_size}\n"
        f"Duration: {metrics.duration_s:.1f}s\n"
        if metrics.error_pct is not None
        else ""
    )
    trained = (
        ()
        if metrics.model_size is None
        else (ModelFact("sequential", LAYERS[task], metrics.model_size),)
    )
    facts = HarnessFacts(
        models=trained, training_calls=("Model.fit",), count_params_at_print=metrics.model_size
    )
    return RunOutcome(
        metrics.index,
        metrics.status,
        0 if metrics.status is RunStatus.OK else 1,
        metrics.wall_s,
        metrics.cpu_s,
        metrics.max_rss_mb,
        printed,
        stderr,
        facts,
        note=note,
    )


def summary_of(runs: Sequence[RunMetrics]) -> TaskSummary:
    errors = [r.error_pct for r in runs if r.error_pct is not None]
    durations = [r.duration_s for r in runs if r.duration_s is not None]
    sizes = [r.model_size for r in runs if r.model_size is not None]
    return TaskSummary(
        mean_error_pct=round(statistics.fmean(errors), 3) if errors else None,
        std_error_pct=round(statistics.stdev(errors), 3) if len(errors) > 1 else None,
        model_size=max(sizes) if sizes else None,
        mean_duration_s=round(statistics.fmean(durations), 2) if durations else None,
    )


@dataclass(frozen=True)
class Plan:
    """What one task of a fixture student did: errors per run (None: the run did not end ok)."""

    errors: Sequence[float | None]
    size: int
    duration: float
    statuses: Sequence[RunStatus] = ()


def task_result(
    assignment: Assignment,
    task: str,
    verdict: Verdict,
    *,
    text: str | None,
    plan: Plan | None,
    findings: Sequence[Finding] = (),
    figure: bool = False,
    stdout: str = "",
    stderr: str = "",
    note: str = "",
) -> TaskResult:
    runs: list[RunMetrics] = []
    outcomes: list[RunOutcome] = []
    for i, error in enumerate(plan.errors if plan else ()):
        assert plan is not None
        status = plan.statuses[i] if plan.statuses else RunStatus.OK
        metrics = run(
            i, error=error, size=plan.size, duration=plan.duration + 0.7 * i, status=status
        )
        runs.append(metrics)
        failed = status is not RunStatus.OK
        outcomes.append(
            outcome(
                metrics,
                task=task,
                stdout=stdout if failed else "",
                stderr=stderr if failed else "",
                note=note if failed else "",
            )
        )
    return TaskResult(
        task=task,
        verdict=verdict,
        findings=tuple(findings),
        runs=tuple(runs),
        summary=summary_of(runs),
        diff=diff_of(assignment, task, text) if text else None,
        outcomes=tuple(outcomes),
        figure_png=tiny_png() if figure else None,
    )


def student(id: str, tasks: dict[str, TaskResult]) -> SubmissionResult:
    return SubmissionResult(
        id=id,
        source=f"submissions/{id}",
        sha256=hashlib.sha256(id.encode()).hexdigest(),
        tasks=tasks,
    )


# ---------------------------------------------------------------------------------- the classes


def fixture_class(assignment: Assignment) -> tuple[list[SubmissionResult], list[SubmissionResult]]:
    """Six students and the reference: every verdict, a protected-region change, failed runs,
    a missing file, and a student whose id, code, findings and output carry HTML."""
    a = assignment
    V, S = Verdict, Severity
    ok = {
        "task1": Plan([2.1, 2.4, 1.9, 2.6, 2.2], 52_000, 41.0),
        "task2": Plan([4.0, 4.6, 3.8, 4.4, 4.1], 38_000, 63.0),
    }
    alice = student(
        "alice",
        {
            t: task_result(a, t, V.HIGH_PERFORMANCE, text=edited(a, t), plan=ok[t], figure=True)
            for t in ("task1", "task2")
        },
    )

    seeded = edited(a, "task2", seed_line=True)
    bob = student(
        "bob",
        {
            "task1": task_result(
                a,
                "task1",
                V.VALID,
                text=edited(a, "task1", units=8),
                plan=Plan([10.4, 11.0, 9.7, 10.9, 10.1], 12_000, 22.0),
            ),
            "task2": task_result(
                a,
                "task2",
                V.INVALID,
                text=seeded,
                plan=Plan([7.5] * 5, 40_000, 70.0),
                findings=[
                    Finding(
                        "seed",
                        S.VIOLATION,
                        "numpy.random.seed(0) seeds NumPy's random generator",
                        "task2.py",
                        line_of(seeded, "np.random.seed(0)"),
                    ),
                    Finding(
                        "runs.deterministic",
                        S.WARNING,
                        "all 5 runs gave identical results: seeding suspected",
                    ),
                ],
            ),
        },
    )

    split = edited(a, "task1", split=4500)
    carol = student(
        "carol",
        {
            "task1": task_result(
                a,
                "task1",
                V.INVALID,
                text=split,
                plan=Plan([3.0, 3.2, 2.9, 3.1, 3.3], 60_000, 45.0),
                findings=[
                    Finding(
                        "protected.modified",
                        S.VIOLATION,
                        'the provided region "start the timer, load and split the data" '
                        "was changed",
                        "task1.py",
                        line_of(split, "order[:4500]"),
                    )
                ],
            ),
            "task2": task_result(
                a,
                "task2",
                V.MISSING,
                text=None,
                plan=None,
                findings=[
                    Finding("files.missing", S.VIOLATION, "task2.py was not handed in", "task2.py")
                ],
            ),
        },
    )

    traceback = (
        'Traceback (most recent call last):\n  File "task1.py", line 71, in <module>\n'
        'ValueError: Input 0 of layer "conv2d" is incompatible with the layer\n'
    )
    failing = [RunStatus.OK, RunStatus.FAILED, RunStatus.OK, RunStatus.TIMEOUT, RunStatus.OK]
    dave = student(
        "dave",
        {
            "task1": task_result(
                a,
                "task1",
                V.INVALID,
                text=edited(a, "task1", units=64),
                plan=Plan([6.0, None, 6.5, None, 5.8], 410_000, 150.0, failing),
                findings=[
                    Finding("run.failed", S.VIOLATION, "run 2 crashed (exit code 1)"),
                    Finding(
                        "run.timeout", S.VIOLATION, "run 4 passed the hard time limit of 600 s"
                    ),
                ],
                stderr=traceback,
                note="see stderr",
            ),
            "task2": task_result(
                a,
                "task2",
                V.INCOMPLETE,
                text=edited(a, "task2", units=20),
                plan=Plan([9.5, 10.5], 21_000, 95.0),
            ),
        },
    )

    hostile = edited(a, "task1", comment="<script>alert('diff')</script>")
    eve = student(
        HOSTILE_ID,
        {
            "task1": task_result(
                a,
                "task1",
                V.INVALID,
                text=hostile,
                plan=Plan(
                    [4.2, None, 4.4, 4.0, 4.1],
                    30_000,
                    35.0,
                    [RunStatus.OK, RunStatus.BAD_OUTPUT, *[RunStatus.OK] * 3],
                ),
                findings=[
                    Finding(
                        "output.format",
                        S.VIOLATION,
                        "run 2 printed <img src=x onerror=alert('finding')> instead of three lines",
                        "task1.py",
                        line_of(hostile, "alert('diff')"),
                    )
                ],
                stdout="<script>alert('stdout')</script>\n",
                stderr="</pre><b onmouseover=alert('stderr')>bold</b>",
            ),
            "task2": task_result(
                a,
                "task2",
                V.VALID,
                text=edited(a, "task2"),
                plan=Plan([9.9, 10.8, 9.6, 11.1, 10.2], 64_000, 88.0),
            ),
        },
    )

    frank = student(
        "frank",
        {
            "task1": task_result(
                a,
                "task1",
                V.VALID,
                text=edited(a, "task1", units=256),
                plan=Plan([9.8, 8.7, 10.6, 9.2, 9.4], 950_000, 240.0),
            ),
            "task2": task_result(
                a,
                "task2",
                V.VALID,
                text=edited(a, "task2", units=60),
                plan=Plan([11.9, 12.4, 11.2, 11.8, 12.1], 99_000, 180.0),
            ),
        },
    )

    reference = student(
        "reference",
        {
            t: task_result(
                a,
                t,
                V.HIGH_PERFORMANCE,
                text=edited(a, t, units=24),
                plan=Plan([None if e is None else e - 0.6 for e in ok[t].errors], 18_000, 30.0),
                figure=True,
            )
            for t in ("task1", "task2")
        },
    )
    return [alice, bob, carol, dave, eve, frank], [reference]


def generated_class(
    assignment: Assignment, *, size: int = 300, seed: int = 7
) -> list[SubmissionResult]:
    """``size`` students with varied verdicts, numbers and diffs, the same for the same seed."""
    rng = random.Random(seed)
    variants = {
        t: [edited(assignment, t, units=u) for u in (8, 16, 32, 64, 128)]
        + [edited(assignment, t, split=4100), edited(assignment, t, seed_line=True)]
        for t in ("task1", "task2")
    }
    results = []
    for n in range(size):
        tasks: dict[str, TaskResult] = {}
        for task in ("task1", "task2"):
            roll = rng.random()
            base = rng.lognormvariate(2.0, 0.45)
            plan = Plan(
                [round(max(0.5, rng.gauss(base, 0.6)), 2) for _ in range(5)],
                int(rng.lognormvariate(10.5, 1.2)),
                round(rng.lognormvariate(4.0, 0.6), 1),
            )
            if roll < 0.04:
                tasks[task] = task_result(
                    assignment,
                    task,
                    Verdict.MISSING,
                    text=None,
                    plan=None,
                    findings=[
                        Finding("files.missing", Severity.VIOLATION, f"{task}.py was not handed in")
                    ],
                )
                continue
            if roll < 0.16:
                text = variants[task][rng.choice((5, 6))]
                check = "protected.modified" if text == variants[task][5] else "seed"
                tasks[task] = task_result(
                    assignment,
                    task,
                    Verdict.INVALID,
                    text=text,
                    plan=plan,
                    findings=[Finding(check, Severity.VIOLATION, "generated", f"{task}.py", 40)],
                )
                continue
            mean = statistics.fmean(e for e in plan.errors if e is not None)
            verdict = (
                Verdict.HIGH_PERFORMANCE
                if mean <= 9
                else Verdict.VALID
                if mean <= 12
                else Verdict.INVALID
            )
            findings = (
                []
                if verdict is not Verdict.INVALID
                else [
                    Finding(
                        "error.max", Severity.VIOLATION, f"mean error {mean:.2f} % is over 12 %"
                    )
                ]
            )
            tasks[task] = task_result(
                assignment,
                task,
                verdict,
                text=rng.choice(variants[task][:5]),
                plan=plan,
                findings=findings,
            )
        results.append(student(f"s{n:04d}", tasks))
    return results
