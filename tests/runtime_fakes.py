"""Canned run outcomes and a fake executor for the logic around runs (no child processes)."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import replace
from typing import Self

from grader.records import HarnessFacts, ModelFact, RunOutcome, RunSpec, RunStatus
from grader.run.one import grader_error

PATTERNS = (r"Test error: (-?\d+\.\d{2})%", r"Model size: (-?\d+)", r"Duration: (-?\d+\.\d)s")


def facts(*, layers: Sequence[str] = ("Conv2D", "Dense"), params: int = 20_000,
          **changes: object) -> HarnessFacts:
    base = HarnessFacts(
        models=(ModelFact("sequential", tuple(layers), params),),
        training_calls=("Model.fit",),
        count_params_at_print=params,
    )
    return replace(base, **changes)  # type: ignore[arg-type]


def outcome(
    index: int = 0,
    *,
    error: float = 2.5,
    size: int = 20_000,
    duration: float = 30.0,
    wall: float = 31.5,
    stdout: str | None = None,
    status: RunStatus = RunStatus.OK,
    harness: HarnessFacts | None | str = "default",
    **changes: object,
) -> RunOutcome:
    """A finished run that printed ``error``, ``size`` and ``duration`` in the provided format."""
    printed = (
        stdout if stdout is not None
        else f"Test error: {error:.2f}%\nModel size: {size}\nDuration: {duration:.1f}s\n"
    )
    return replace(
        RunOutcome(
            index=index, status=status, exit_code=0 if status is RunStatus.OK else 1,
            wall_s=wall, cpu_s=wall * 1.8, max_rss_mb=900.0, stdout=printed, stderr="",
            facts=facts(params=size) if harness == "default" else harness,  # type: ignore[arg-type]
        ),
        **changes,  # type: ignore[arg-type]
    )


class FakeExecutor:
    """Answers each spec with ``answer(spec)``; can raise KeyboardInterrupt after n runs.

    ``fail(spec)`` true: the run is one the grader failed to make (as a real executor yields it
    when an exception escapes a run). ``interrupt_on_close``: the first ``close`` raises
    KeyboardInterrupt (a second Ctrl-C while the children are being killed).
    """

    def __init__(self, answer: Callable[[RunSpec], RunOutcome], *,
                 interrupt_after: int | None = None, isolation_kind: str = "fake",
                 fail: Callable[[RunSpec], bool] | None = None,
                 interrupt_on_close: bool = False) -> None:
        self.answer = answer
        self.interrupt_after = interrupt_after
        self.isolation_kind = isolation_kind
        self.fail = fail
        self.interrupt_on_close = interrupt_on_close
        self.seen: list[RunSpec] = []
        self.closed = False

    def run(self, specs: Sequence[RunSpec]) -> Iterator[tuple[RunSpec, RunOutcome]]:
        for spec in specs:
            if self.interrupt_after is not None and len(self.seen) >= self.interrupt_after:
                raise KeyboardInterrupt
            self.seen.append(spec)
            if self.fail is not None and self.fail(spec):
                yield spec, grader_error(spec, RuntimeError("the worker went away"))
                continue
            yield spec, replace(self.answer(spec), index=spec.index)

    def close(self) -> None:
        if self.interrupt_on_close:
            self.interrupt_on_close = False
            raise KeyboardInterrupt
        self.closed = True

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
