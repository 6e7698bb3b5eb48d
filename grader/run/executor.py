"""What runs many specs: the ``Executor`` protocol and ``make_executor``, which picks one.

Each executor lives in its own module (``local``: threads of this process; ``dask``: a
dask.distributed cluster). Adding one is a module with a class that has the protocol's three
members, plus a line in ``make_executor``.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Protocol

from grader.records import RunOutcome, RunSpec
from grader.run.dask import DaskExecutor
from grader.run.local import LocalExecutor
from grader.run.planning import GradingError, Settings


class Executor(Protocol):
    """Runs specs, yielding each with its outcome as runs complete; ``close`` kills every child.

    ``isolation_kind`` is how the runs will be confined ("bubblewrap", "none", ...): one of the
    run conditions a stored run is fingerprinted with.
    """

    @property
    def isolation_kind(self) -> str: ...

    def run(self, specs: Sequence[RunSpec]) -> Iterator[tuple[RunSpec, RunOutcome]]: ...

    def close(self) -> None: ...


def make_executor(settings: Settings) -> Executor:
    """The executor ``settings`` ask for: a Dask cluster with a scheduler, else local threads.

    Raises ``GradingError`` when the scheduler cannot be reached (nothing was written yet).
    """
    if settings.scheduler:
        try:
            return DaskExecutor(address=settings.scheduler)
        except (OSError, ValueError) as exc:
            raise GradingError(
                f"cannot reach the Dask scheduler at {settings.scheduler}: {exc}"
            ) from exc
    return LocalExecutor(jobs=settings.jobs, threads=settings.threads)


__all__ = ["Executor", "make_executor"]
