"""run_one and LocalExecutor on small misbehaving scripts (no TensorFlow; each test takes seconds).

Runs go through the detected isolation, as in a real batch; tests that depend on the outcome of a
particular confinement say so and are in test_sandbox.py.
"""

from __future__ import annotations

import dataclasses
import json
import os
import signal
import threading
import time
import uuid
from pathlib import Path

import pytest

from grader.records import RunOutcome, RunSpec, RunStatus
from grader.run.local import LocalExecutor, core_sets
from grader.run.one import run_one
from grader.sandbox.cgroups import make_cgroups, own_cgroup
from grader.sandbox.detect import detect_isolation
from grader.sandbox.isolation import NO_ISOLATION
from grader.sandbox.supervise import classify
from tests.sandbox_scripts import BASE, alive_with, script_spec


def _has_cgroups() -> bool:
    groups = make_cgroups(memory_mb=64, processes=8, cores=None)
    try:
        return "pids" in groups.controllers
    finally:
        groups.remove()


def test_a_clean_run_is_ok_with_its_exact_output_and_measured_cpu() -> None:
    outcome = run_one(script_spec("clean.py", index=3), harness_child=False)
    assert outcome.status is RunStatus.OK
    assert (outcome.index, outcome.exit_code, outcome.stdout, outcome.stderr) == (
        3, 0, "hello\nworld\n", "")
    assert outcome.cpu_s >= 0.15
    assert outcome.wall_s >= outcome.cpu_s * 0.5
    assert outcome.dataset_intact and outcome.note == ""


def test_the_harness_reports_facts_and_the_figure_of_an_analysis_run() -> None:
    plain = run_one(script_spec("clean.py"))
    assert plain.status is RunStatus.OK and plain.stdout == "hello\nworld\n"
    assert plain.facts is not None and plain.facts.figure_png is None
    analysis = run_one(script_spec("plot.py", analysis=True))
    assert analysis.status is RunStatus.OK, analysis.stderr
    assert analysis.facts is not None and analysis.facts.figure_png is not None
    assert analysis.facts.figure_png.startswith(b"\x89PNG")


def test_a_hang_is_killed_at_the_timeout() -> None:
    started = time.monotonic()
    outcome = run_one(script_spec("hang.py", timeout_s=1.0), harness_child=False)
    assert outcome.status is RunStatus.TIMEOUT
    assert "killed after 1 s" in outcome.note
    assert time.monotonic() - started < 5


def test_a_short_sleep_within_the_timeout_is_ok() -> None:
    spec = script_spec("hang.py", {"SECONDS = 60": "SECONDS = 0.2"}, timeout_s=5.0)
    outcome = run_one(spec, harness_child=False)
    assert outcome.status is RunStatus.OK and outcome.stdout == "woke up\n"


def test_a_memory_hog_ends_as_memory() -> None:
    outcome = run_one(script_spec("memory_hog.py", memory_mb=256), harness_child=False)
    assert outcome.status is RunStatus.MEMORY, outcome
    assert "memory" in outcome.note


def test_an_allocation_under_the_limit_is_ok() -> None:
    spec = script_spec("memory_hog.py", {"MEGABYTES = 2048": "MEGABYTES = 64"}, memory_mb=256)
    outcome = run_one(spec, harness_child=False)
    assert outcome.status is RunStatus.OK and outcome.stdout == f"{64 * 2**20}\n"


def test_a_flood_of_output_is_killed_as_bad_output_with_a_bounded_tail() -> None:
    started = time.monotonic()
    outcome = run_one(script_spec("flood.py", output_kb=4), harness_child=False)
    assert outcome.status is RunStatus.BAD_OUTPUT
    assert "flooding" in outcome.note
    assert len(outcome.stdout) <= 4 * 1024
    assert time.monotonic() - started < 5


def test_much_output_below_the_flood_line_is_ok_and_truncated_to_its_tail() -> None:
    spec = script_spec("flood.py", {"LINES = None": "LINES = 40"}, output_kb=4)  # 10x, not 50x
    outcome = run_one(spec, harness_child=False)
    assert outcome.status is RunStatus.OK
    assert len(outcome.stdout) == 4 * 1024 and outcome.stdout.endswith("x\n")
    assert "stdout truncated to its last 4 KB" in outcome.note


@pytest.mark.parametrize("new_session", [False, True])
def test_no_process_the_run_left_behind_survives_it(new_session: bool) -> None:
    isolation = detect_isolation()
    if new_session and not (isolation.isolated or _has_cgroups()):
        pytest.skip("a grandchild that leaves the session is caught by cgroups or bubblewrap")
    token = f"grader-test-{uuid.uuid4().hex}"
    spec = script_spec("leave_child.py", {'TOKEN = "token"': f"TOKEN = {token!r}",
                                          "NEW_SESSION = False": f"NEW_SESSION = {new_session}"})
    outcome = run_one(spec, isolation=isolation, harness_child=False)
    assert outcome.status is RunStatus.OK and outcome.stdout == "left a child behind\n"
    deadline = time.monotonic() + 3
    while alive_with(token) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert alive_with(token) == []


@pytest.mark.parametrize("mode, intact", [("delete", False), ("modify", False), ("read", True)])
def test_the_dataset_copy_is_checked_after_the_run(mode: str, intact: bool) -> None:
    """Without isolation the copy can be changed, and that is seen; under isolation it is bound
    read-only and cannot be (tests/sandbox/test_hostile.py)."""
    spec = script_spec("touch_dataset.py", {'MODE = "read"': f"MODE = {mode!r}"})
    outcome = run_one(spec, isolation=NO_ISOLATION, harness_child=False)
    assert outcome.status is RunStatus.OK, outcome.stderr
    assert outcome.dataset_intact is intact


def test_the_environment_is_scrubbed_and_the_run_pinned(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GRADER_TEST_SECRET", "hunter2")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "hunter3")
    outcome = run_one(script_spec("environment.py", threads=1), cores=[0],
                      harness_child=False)
    seen = json.loads(outcome.stdout)
    env = seen["env"]
    assert "hunter2" not in outcome.stdout and "hunter3" not in outcome.stdout
    assert "GRADER_TEST_SECRET" not in env and "PYTHONHASHSEED" not in env
    assert env["HOME"] == env["MPLCONFIGDIR"] == seen["cwd"]
    assert env["CUDA_VISIBLE_DEVICES"] == "" and env["TF_NUM_INTRAOP_THREADS"] == "1"
    assert seen["cores"] == [0]


def test_a_failure_keeps_its_exit_code_and_stderr() -> None:
    spec = dataclasses.replace(BASE, script_text="import sys\nsys.exit('bad things')\n")
    outcome = run_one(spec, harness_child=False)
    assert outcome.status is RunStatus.FAILED
    assert (outcome.exit_code, outcome.stderr, outcome.note) == (
        1, "bad things\n", "exited with code 1")


@pytest.mark.parametrize("code, killed_for, stderr, oom, expected", [
    (0, "", "MemoryError", False, RunStatus.OK),  # a handled MemoryError is not a failure
    (1, "", "Traceback ...\nMemoryError\n", False, RunStatus.MEMORY),
    (-6, "", "terminate called after throwing an instance of 'std::bad_alloc'", False,
     RunStatus.MEMORY),
    (1, "", "numpy.core._exceptions._ArrayMemoryError: Unable to allocate 8 GiB", False,
     RunStatus.MEMORY),
    (-9, "", "", True, RunStatus.MEMORY),
    (-9, "", "", False, RunStatus.FAILED),
    (1, "", "ValueError: shapes differ\n", False, RunStatus.FAILED),
    (-9, "timeout", "MemoryError", False, RunStatus.TIMEOUT),
    (-9, "flood", "", False, RunStatus.BAD_OUTPUT),
])
def test_classify(code: int, killed_for: str, stderr: str, oom: bool,
                  expected: RunStatus) -> None:
    status, note = classify(code, killed_for, stderr=stderr, oom=oom, timeout_s=9,
                            output_kb=4)
    assert status is expected and (note == "") is (expected is RunStatus.OK)


def test_core_sets_split_evenly_and_share_only_when_jobs_exceed_cores() -> None:
    assert core_sets(2, [0, 1, 2, 3]) == [(0, 1), (2, 3)]
    assert core_sets(1, [0, 1]) == [(0, 1)]
    assert core_sets(3, [0, 1, 2, 3]) == [(0,), (1,), (2,)]
    assert core_sets(3, [5, 7]) == [(5,), (7,), (5,)]


@pytest.mark.skipif(len(os.sched_getaffinity(0)) < 2, reason="needs two cores")
def test_local_executor_runs_two_specs_at_once_on_separate_cores() -> None:
    sleep = script_spec("hang.py", {"SECONDS = 60": "SECONDS = 1.5"}, timeout_s=10.0)
    where = script_spec("environment.py")
    specs = [dataclasses.replace(sleep, index=0), dataclasses.replace(sleep, index=1)]
    started = time.monotonic()
    with LocalExecutor(jobs=2, isolation=NO_ISOLATION, harness_child=False) as executor:
        done = list(executor.run(specs))
        elapsed = time.monotonic() - started
        cores = [json.loads(o.stdout)["cores"] for _, o in executor.run([where, where])]
    assert sorted(spec.index for spec, _ in done) == [0, 1]
    assert all(o.status is RunStatus.OK for _, o in done)
    assert elapsed < 2.9  # one after the other would take 3 s
    assert all(len(c) == 1 for c in cores)


def test_closing_the_local_executor_kills_the_running_children() -> None:
    specs = [dataclasses.replace(script_spec("hang.py"), index=i) for i in range(3)]
    executor = LocalExecutor(jobs=2, isolation=NO_ISOLATION, harness_child=False)
    outcomes: list[tuple[RunSpec, RunOutcome]] = []
    consumer = threading.Thread(target=lambda: outcomes.extend(executor.run(specs)))
    consumer.start()
    time.sleep(1.0)
    started = time.monotonic()
    executor.close()
    consumer.join(timeout=10)
    assert not consumer.is_alive()
    assert time.monotonic() - started < 5
    assert len(outcomes) == 2  # the third never started
    assert all(o.status is RunStatus.FAILED and o.note == "stopped by the grader"
               for _, o in outcomes)


def test_the_work_folder_is_removed_even_when_the_run_locked_parts_of_it() -> None:
    text = ("import os\nos.makedirs('locked/deeper')\nopen('locked/deeper/f', 'w').close()\n"
            "os.chmod('locked/deeper', 0)\nos.chmod('locked', 0)\nprint(os.getcwd())\n")
    outcome = run_one(dataclasses.replace(BASE, script_text=text), harness_child=False)
    assert outcome.status is RunStatus.OK, outcome.stderr
    assert not Path(outcome.stdout.strip()).exists()


class _Interrupted(Exception):
    pass


def test_an_interrupted_run_leaves_no_process_and_no_cgroup_behind() -> None:
    token = f"hang_{uuid.uuid4().hex}"
    spec = script_spec("hang.py", script_name=f"{token}.py", timeout_s=60.0)

    def interrupt(_signal: int, _frame: object) -> None:
        raise _Interrupted

    previous = signal.signal(signal.SIGUSR1, interrupt)
    main = threading.get_ident()
    sender = threading.Timer(1.0, lambda: signal.pthread_kill(main, signal.SIGUSR1))
    sender.start()
    try:
        with pytest.raises(_Interrupted):
            run_one(spec, harness_child=False)
    finally:
        sender.cancel()
        signal.signal(signal.SIGUSR1, previous)
    assert alive_with(token) == []
    assert _own_cgroups() == []


@pytest.mark.parametrize("where", ["_Reader.start", "ChildLimits.preexec"])
def test_an_interruption_before_the_wait_leaves_nothing_behind(
        where: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """An interruption landing between the cgroups' making and the wait for the child (here
    raised from the output reader's start, after the child started, or from the limits'
    preparation, before) ends the run whole."""
    token = f"hang_{uuid.uuid4().hex}"
    spec = script_spec("hang.py", script_name=f"{token}.py", timeout_s=60.0)
    owner, name = where.split(".")
    target = {"_Reader": "grader.sandbox.supervise._Reader",
              "ChildLimits": "grader.sandbox.limits.ChildLimits"}[owner]
    original = getattr(pytest.importorskip(target.rpartition(".")[0]),
                       target.rpartition(".")[2])
    started = threading.Event()

    def interrupted(*_args: object, **_kwargs: object) -> None:
        started.set()
        time.sleep(0.3)  # the child, if started, is running by now
        raise _Interrupted

    monkeypatch.setattr(original, name, interrupted)
    with pytest.raises(_Interrupted):
        run_one(spec, harness_child=False)
    assert started.is_set()
    assert alive_with(token) == []
    assert _own_cgroups() == []


def _own_cgroups() -> list[Path]:
    """The run cgroups this process made and has not removed."""
    found: list[Path] = []
    for controller in ("memory", "pids", "cpuset", "cpuacct"):
        parent = own_cgroup(controller)
        if parent is not None:
            found += parent.glob(f"grader-{os.getpid()}-*")
    return found


def test_the_next_run_starts_while_the_last_ones_model_is_measured(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """With one job, a run's cores go to the next run once its child has ended: measuring the
    model (stood in for by a sleep after ``child_done``) overlaps the next run's child."""
    events: list[tuple[str, int, float]] = []

    def fake_run_one(spec: RunSpec, **kwargs: object) -> RunOutcome:
        events.append(("child", spec.index, time.monotonic()))
        time.sleep(0.2)  # the child
        done = kwargs["child_done"]
        assert callable(done)
        done()
        time.sleep(0.4)  # measuring its model
        events.append(("measured", spec.index, time.monotonic()))
        return dataclasses.replace(run_one(BASE, harness_child=False, isolation=NO_ISOLATION),
                                   index=spec.index)

    monkeypatch.setattr("grader.run.local.run_one", fake_run_one)
    specs = [dataclasses.replace(BASE, index=i) for i in range(3)]
    with LocalExecutor(jobs=1, isolation=NO_ISOLATION, harness_child=False) as executor:
        outcomes = list(executor.run(specs))
    assert sorted(o.index for _, o in outcomes) == [0, 1, 2]
    starts = {index: at for kind, index, at in events if kind == "child"}
    measured = {index: at for kind, index, at in events if kind == "measured"}
    assert starts[1] < measured[0] and starts[2] < measured[1]  # overlapped
    assert starts[1] - starts[0] >= 0.19 and starts[2] - starts[1] >= 0.19  # one child at a time
