"""``sandbox.process``: the script may not start processes or run code it builds at run time.

A child process escapes the harness that watches the run (and the grader's time and memory
accounting); ``exec``/``eval``/``compile``, ``__import__`` and ``importlib`` run or load code the
static checks cannot read; ``ctypes`` and ``cffi`` call C directly, past every Python hook.
``_posixsubprocess`` is listed by name: it forks without the audit events the harness relies on.
"""

from __future__ import annotations

from collections.abc import Iterator

from grader.checks.base import TaskContext
from grader.checks.static.common import Hit, LineCheck, Prefixes, forbidden_uses
from grader.ids import CheckId
from grader.pysource.scan import Scan

# fmt: off
PROCESSES = Prefixes([
    "subprocess", "_posixsubprocess", "multiprocessing", "_multiprocessing", "pty",
    "concurrent.futures.ProcessPoolExecutor", "concurrent.futures.process",
    "os.system", "os.popen", "os.fork", "os.forkpty", "os.exec*", "os.spawn*",
    "os.posix_spawn*", "os.startfile", "os.kill", "os.killpg",
    "asyncio.create_subprocess_exec", "asyncio.create_subprocess_shell",
    "builtins.exec", "builtins.eval", "builtins.compile", "builtins.__import__",
    "importlib", "runpy", "code", "codeop", "ctypes", "_ctypes", "cffi",
    "pexpect", "sh", "plumbum", "joblib.Parallel", "ray", "dask.distributed", "distributed",
])
# fmt: on


class SandboxProcess(LineCheck):
    id = CheckId.SANDBOX_PROCESS

    def message(self, found: str) -> str:
        return (
            f"starts a process or runs code built at run time: {found}. The script must run "
            "as one process of plain Python and TensorFlow"
        )

    def hits(self, ctx: TaskContext, scan: Scan) -> Iterator[Hit]:
        return forbidden_uses(scan, PROCESSES)
