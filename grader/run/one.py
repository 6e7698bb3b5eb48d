"""One sandboxed run of a student script, from a fresh work folder to its ``RunOutcome``.

``run_one`` owns a run from start to finish: a fresh work folder with the script and a read-only
copy of the dataset, the harness command wrapped by the isolation, limits applied in the child,
stdout and stderr read concurrently into bounded tails, a hard wall-clock kill, and at the end the
whole process tree killed and the work folder removed. It never raises for anything the student's
code does: every ending is a ``RunOutcome`` whose ``status`` and ``note`` say what happened.

When the grader itself fails to make a run, an executor yields ``grader_error``'s outcome instead
of raising: the batch goes on, the outcome is not stored, and the next batch makes that run again.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import shutil
import socket
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from grader import harness
from grader.records import Evaluation, RunOutcome, RunSpec, RunStatus
from grader.run.evaluator import TrustedEvaluator
from grader.run.exchange import Exchange
from grader.run.trust import dataset_rows, draw_split, measure, withhold
from grader.sandbox.detect import detect_isolation
from grader.sandbox.isolation import (
    Isolation,
    SandboxError,
    WorkFolder,
    sandbox_ready,
    scrubbed_env,
)
from grader.sandbox.supervise import Running, supervise
from grader.sandbox.workdirs import memory_file, new_workdir, read_memory_file, remove_workdir

MAX_FIGURE_BYTES = 8 * 1024 * 1024


def run_one(
    spec: RunSpec,
    *,
    cores: Sequence[int] | None = None,
    isolation: Isolation | None = None,
    harness_child: bool = True,
    python: str = sys.executable,
    running: Running | None = None,
    evaluator: TrustedEvaluator | None = None,
    child_done: Callable[[], None] | None = None,
) -> RunOutcome:
    """Run ``spec`` once in a fresh work folder, sandboxed and limited; see the module doc.

    ``cores`` pins the run (affinity and cpuset); ``isolation`` defaults to the detected one.
    ``harness_child=False`` runs the script bare (``python -I SCRIPT``, no facts): for tests of
    the sandbox itself and for measuring the harness's cost. With ``spec.trust`` the grader
    draws the run's split (handed over in a memory file), gives the run a dataset copy with
    decoys where its test rows are, and measures the model the child hands over on the
    checkpoint's exchange when the provided evaluation starts (``grader.run.exchange``,
    ``grader.run.trust``), with ``evaluator`` where the model can leave the process.
    ``child_done`` is called once the child has ended, before the model is measured: an
    executor gives the run's cores to the next run then, so that measuring one run overlaps the
    next instead of delaying it.
    """
    isolation = detect_isolation() if isolation is None else isolation
    workdir = new_workdir()
    facts_fd = memory_file("grader-facts")
    figure_fd = memory_file("grader-figure") if spec.analysis else None
    trust = spec.trust if harness_child else None
    split_fd = memory_file("grader-split") if trust is not None else None
    ours, theirs = socket.socketpair() if trust is not None else (None, None)
    exchange_fd = theirs.fileno() if theirs is not None else None
    exchange: Exchange | None = None
    ready_read, ready_write = os.pipe()  # the sandbox says "ready" on it once built
    os.set_inheritable(ready_write, True)
    try:
        withheld = None
        if trust is not None and split_fd is not None and ours is not None:
            lines = dataset_rows(spec.dataset_path, spec.dataset_sha256)
            order = draw_split(sum(1 for line in lines if line.strip()))
            withheld = withhold(lines, order, trust)
            os.pwrite(split_fd, json.dumps(order).encode(), 0)
            exchange = Exchange(sock=ours, images=withheld.images, rows=withheld.rows,
                                labels=withheld.labels)
        dataset = _prepare(spec, workdir, withheld.copy if withheld is not None else None)
        expected = (hashlib.sha256(withheld.copy).hexdigest() if withheld is not None
                    else spec.dataset_sha256)
        # the figure goes to a memory file: under isolation the work folder is the run's own
        figure = f"/proc/self/fd/{figure_fd}" if figure_fd is not None else None
        if harness_child:
            argv = harness.command(
                python=python, facts_fd=facts_fd, dataset=dataset.name,
                test_names=spec.test_names, figure=figure, script=spec.script_name,
                trust=trust, split_fd=split_fd, exchange_fd=exchange_fd,
            )
        else:
            argv = [python, "-I", spec.script_name]
        work = WorkFolder(path=workdir, files=(spec.script_name, dataset.name),
                          disk_mb=spec.disk_mb, inodes=spec.inodes)
        fds = tuple(fd for fd in (facts_fd, ready_write, figure_fd, split_fd, exchange_fd)
                    if fd is not None)
        if exchange is not None:
            exchange.start()
        outcome = supervise(
            spec, argv=isolation.wrap(argv, work=work, ready_fd=ready_write), workdir=workdir,
            env=scrubbed_env(workdir=workdir, threads=max(1, spec.threads)), cores=cores,
            isolation=isolation, running=running, pass_fds=fds,
        )
        if child_done is not None:
            child_done()
        if isolation.isolated and not sandbox_ready(ready_read):
            raise SandboxError(f"the {isolation.kind} sandbox was not built: "
                               f"{outcome.stderr.strip()[-300:] or outcome.note}")
        facts = harness.decode_facts(
            read_memory_file(facts_fd, limit=harness.MAX_DOCUMENT_BYTES + 1))
        if facts is not None and figure_fd is not None:
            facts = dataclasses.replace(facts, figure_png=_read_figure(figure_fd))
        evaluation = None
        if exchange is not None and withheld is not None and trust is not None:
            delivered, exchange = exchange.finish(), None
            if facts is not None and facts.evaluation_reached:
                evaluation = measure(delivery=delivered, labels=withheld.labels, trust=trust,
                                     evaluator=evaluator)
            evaluation = evaluation or Evaluation(
                by="none", error_pct=None, params=None,
                note="the provided evaluation did not start under the harness")
        return dataclasses.replace(
            outcome, facts=facts, dataset_intact=_sha256(dataset) == expected,
            evaluation=evaluation,
        )
    finally:
        if exchange is not None:
            exchange.finish()
        for fd in (facts_fd, figure_fd, ready_read, ready_write, split_fd):
            if fd is not None:
                os.close(fd)
        for end in (ours, theirs):
            if end is not None:
                end.close()
        remove_workdir(workdir)


def _prepare(spec: RunSpec, workdir: Path, content: bytes | None) -> Path:
    """Write the script and the dataset's copy (``content``: the copy with decoys, else the
    dataset itself) into ``workdir``, both read-only; the copy's path."""
    script = workdir / spec.script_name
    script.write_bytes(spec.script_text.encode("utf-8"))  # the checked bytes (see planning)
    dataset = workdir / Path(spec.dataset_path).name
    if content is None:
        shutil.copyfile(spec.dataset_path, dataset)
    else:
        dataset.write_bytes(content)
    for path in (script, dataset):
        path.chmod(0o444)
    workdir.chmod(0o755)
    return dataset


def _sha256(path: Path) -> str | None:
    try:
        if not path.is_file() or path.is_symlink():
            return None
        with path.open("rb") as file:
            return hashlib.file_digest(file, "sha256").hexdigest()
    except OSError:
        return None


def _read_figure(fd: int) -> bytes | None:
    data = read_memory_file(fd, limit=MAX_FIGURE_BYTES + 1)
    return data if data.startswith(b"\x89PNG") and len(data) <= MAX_FIGURE_BYTES else None


def grader_error(spec: RunSpec, error: BaseException) -> RunOutcome:
    """The outcome of a run the grader failed to make: never stored, so it is made again."""
    return RunOutcome(
        index=spec.index, status=RunStatus.FAILED, exit_code=None, wall_s=0.0, cpu_s=0.0,
        max_rss_mb=0.0, stdout="", stderr="", facts=None,
        note=f"grader error: {type(error).__name__}: {error}"[:500], grader_error=True,
    )


#: what an executor logs (with the spec's submission, task and index) for a ``grader_error``
FAILED_LOG = ("%s %s run %d: the grader failed to make the run; it is not stored and the next "
              "batch makes it again")


__all__ = ["FAILED_LOG", "grader_error", "run_one"]
