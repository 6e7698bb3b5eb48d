"""DaskExecutor against a real scheduler and workers on loopback (small scripts, a few seconds)."""

from __future__ import annotations

import dataclasses
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from grader.records import RunOutcome, RunSpec, RunStatus
from tests.sandbox_scripts import alive_with, script_spec

distributed = pytest.importorskip("dask.distributed")

from grader.run.dask import DaskExecutor, _run_on_worker  # noqa: E402 - after importorskip


@pytest.fixture(scope="module")
def scheduler() -> Iterator[str]:
    """Two single-thread worker processes with one ``CPU`` each, as ``dask worker`` starts them."""
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, resources={"CPU": 1},
        host="127.0.0.1", dashboard_address=None, silence_logs=50,
    ) as cluster:
        yield cluster.scheduler_address


def test_dask_runs_specs_on_the_workers_and_yields_each(scheduler: str) -> None:
    clean = script_spec("clean.py")
    specs = [dataclasses.replace(clean, index=i) for i in range(2)]
    with DaskExecutor(address=scheduler, harness_child=False) as executor:
        done = list(executor.run(specs))
    assert sorted(spec.index for spec, _ in done) == [0, 1]
    for spec, outcome in done:
        assert outcome.index == spec.index
        assert outcome.status is RunStatus.OK and outcome.stdout == "hello\nworld\n"


def test_closing_the_dask_executor_kills_the_running_children(scheduler: str) -> None:
    token = f"hang_{uuid.uuid4().hex}"
    hang = script_spec("hang.py", timeout_s=60.0, script_name=f"{token}.py")
    specs = [dataclasses.replace(hang, index=i) for i in range(3)]
    executor = DaskExecutor(address=scheduler, harness_child=False)
    outcomes: list[tuple[RunSpec, RunOutcome]] = []  # none: the hangs are killed, not finished

    def consume() -> None:
        outcomes.extend(executor.run(specs))

    consumer = threading.Thread(target=consume)
    consumer.start()
    deadline = time.monotonic() + 10
    while not alive_with(token) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert alive_with(token)  # the runs started
    executor.close()
    consumer.join(timeout=15)
    assert not consumer.is_alive()
    deadline = time.monotonic() + 5
    while alive_with(token) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert alive_with(token) == []  # killed, not left to hang for 60 s
    assert outcomes == [] or all(o.status is RunStatus.FAILED for _, o in outcomes)


def test_a_run_that_fails_on_a_worker_is_a_grader_error_not_an_exception(scheduler: str) -> None:
    clean = script_spec("clean.py")
    broken = dataclasses.replace(clean, index=1, script_name="no/such/folder/task1.py")
    with DaskExecutor(address=scheduler, harness_child=False) as executor:
        done = {spec.index: outcome for spec, outcome in executor.run([clean, broken])}
    assert done[0].status is RunStatus.OK and not done[0].grader_error
    assert done[1].grader_error and done[1].status is RunStatus.FAILED
    assert done[1].note.startswith("grader error: FileNotFoundError")


def test_the_workers_get_the_dataset_from_the_grader_not_its_file_system(tmp_path: Path) -> None:
    """What a worker runs, here in this process: the spec's dataset path does not exist."""
    clean = script_spec("clean.py")
    content = Path(clean.dataset_path).read_bytes()
    elsewhere = dataclasses.replace(clean, dataset_path=str(tmp_path / "gone" / "dataset.txt"))
    outcome = _run_on_worker(elsewhere, False, uuid.uuid4().hex, content)
    assert outcome.status is RunStatus.OK and outcome.dataset_intact


def test_the_workers_isolation_is_a_run_condition(scheduler: str) -> None:
    with DaskExecutor(address=scheduler, harness_child=False) as executor:
        assert executor.isolation_kind in ("bubblewrap", "namespaces", "none")
