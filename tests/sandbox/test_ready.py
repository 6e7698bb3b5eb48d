"""A sandbox that cannot be built is the grader's fault: never stored as the student's run."""

from __future__ import annotations

import dataclasses

import pytest

from grader.records import RunStatus
from grader.run.local import LocalExecutor
from grader.run.one import run_one
from grader.sandbox.isolation import Isolation, SandboxError
from tests.sandbox_scripts import script_spec


def test_a_work_folder_that_cannot_be_made_is_a_sandbox_error(layer: Isolation) -> None:
    # one inode: the tmpfs holds its own root and not the script's mount point
    broken = dataclasses.replace(script_spec("clean.py"), inodes=1)
    with pytest.raises(SandboxError, match="sandbox was not built"):
        run_one(broken, isolation=layer, harness_child=False)
    with LocalExecutor(jobs=1, threads=1, isolation=layer, harness_child=False) as local:
        [(_, outcome)] = list(local.run([broken]))
    assert outcome.grader_error and outcome.note.startswith("grader error: SandboxError")
    near = run_one(dataclasses.replace(broken, inodes=64), isolation=layer, harness_child=False)
    assert near.status is RunStatus.OK and near.stdout == "hello\nworld\n"  # the near miss


def test_a_script_that_fakes_the_setup_failure_is_its_own_failed_run(layer: Isolation) -> None:
    text = ("import sys\nsys.stderr.write('grader sandbox: cannot build the sandbox: no\\n')\n"
            "sys.exit(125)\n")
    outcome = run_one(dataclasses.replace(script_spec("clean.py"), script_text=text),
                      isolation=layer, harness_child=False)
    assert outcome.status is RunStatus.FAILED and outcome.exit_code == 125
    assert not outcome.grader_error
