"""Benchmark what each isolation layer adds to a run's start: ratios against a bare interpreter.

Not a test (pytest does not collect it). In one invocation, round-robin so that the machine's
drift falls on all alike, it times:

- ``bare``: ``python -I -c pass`` started with ``subprocess`` (the floor every run pays);
- per layer (``none``, ``bubblewrap``, ``namespaces``), the same command wrapped by the layer in
  a staged work folder (the namespaces, the file system, the work tmpfs, the privilege drop);
- per layer, a whole ``run_one`` of a script that does nothing (the staging folder, the dataset
  copy, cgroups, the supervisor's watchers, the memory files, the clean-up).

It prints the median wall time of each and its ratio to ``bare``. A layer missing or not working
here is reported and skipped.

    python tests/benchmarks/bench_sandbox.py              # 30 rounds
    python tests/benchmarks/bench_sandbox.py --rounds 10
"""

from __future__ import annotations

import argparse
import dataclasses
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from grader.run.one import run_one
from grader.sandbox.detect import bubblewrap, namespaces, probe
from grader.sandbox.isolation import NO_ISOLATION, Isolation, WorkFolder, scrubbed_env
from tests.sandbox_scripts import script_spec


def _layers() -> dict[str, Isolation]:
    found = {"none": NO_ISOLATION}
    for make in (bubblewrap, namespaces):
        layer = make()
        if layer is None:
            print(f"{make.__name__}: not installed, skipped")
            continue
        failure = probe(layer)
        if failure:
            print(f"{layer.kind}: does not work here ({failure}), skipped")
            continue
        found[layer.kind] = layer
    return found


def _wrapped_pass(layer: Isolation, folder: Path) -> Callable[[], None]:
    argv = layer.wrap([sys.executable, "-I", "-c", "pass"], work=WorkFolder(folder, disk_mb=64))
    env = scrubbed_env(workdir=folder, threads=1)

    def start() -> None:
        subprocess.run(argv, cwd=folder, env=env, check=True)

    return start


def _whole_run(layer: Isolation) -> Callable[[], None]:
    spec = dataclasses.replace(script_spec("clean.py"), script_text="pass\n")

    def start() -> None:
        outcome = run_one(spec, isolation=layer, harness_child=False)
        assert outcome.exit_code == 0, outcome

    return start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=30)
    rounds = parser.parse_args().rounds
    folder = Path(tempfile.mkdtemp(prefix="grader-bench-"))
    folder.chmod(0o755)
    try:
        layers = _layers()
        cases: dict[str, Callable[[], None]] = {
            "bare python -I -c pass": _wrapped_pass(NO_ISOLATION, folder)}
        for kind, layer in layers.items():
            if kind != "none":
                cases[f"{kind}: python -I -c pass"] = _wrapped_pass(layer, folder)
        for kind, layer in layers.items():
            cases[f"{kind}: whole run_one"] = _whole_run(layer)
        times: dict[str, list[float]] = {name: [] for name in cases}
        for _ in range(2):  # warm the page cache and the probes
            for case in cases.values():
                case()
        for index in range(rounds):
            order = list(cases.items())
            if index % 2:
                order.reverse()
            for name, case in order:
                started = time.perf_counter()
                case()
                times[name].append(time.perf_counter() - started)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    bare = statistics.median(times["bare python -I -c pass"])
    print(f"{rounds} rounds, median wall time per start, ratio to the bare interpreter:")
    for name, values in times.items():
        median = statistics.median(values)
        print(f"  {name:<34} {median * 1000:7.1f} ms  x{median / bare:5.2f}")


if __name__ == "__main__":
    main()
