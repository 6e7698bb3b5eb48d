"""How runs ended: crashes, time-outs, memory, a changed dataset, suspiciously identical runs."""

from __future__ import annotations

from collections.abc import Iterable
from typing import ClassVar

from grader.checks.base import RunContext, RuntimeCheck
from grader.ids import CheckId
from grader.records import Finding, RunOutcome, RunStatus


def _last_line(text: str) -> str:
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    return lines[-1][:200] if lines else ""


def _runs(indexes: list[int], total: int) -> str:
    listed = ", ".join(str(i + 1) for i in indexes)
    return f"{len(indexes)} of {total} run(s) (run {listed})"


class _StatusCheck(RuntimeCheck):
    status: ClassVar[RunStatus]
    what: ClassVar[str]

    def describe(self, outcome: RunOutcome) -> str:
        return outcome.note or _last_line(outcome.stderr) or f"exit code {outcome.exit_code}"

    def check(self, ctx: RunContext) -> Iterable[Finding]:
        hits = [o for o in ctx.outcomes if o.status is self.status]
        if hits:
            detail = self.describe(hits[0])
            yield self.finding(
                f"{_runs([o.index for o in hits], len(ctx.outcomes))} {self.what}: {detail}",
                file=ctx.file_name,
            )


class RunFailed(_StatusCheck):
    id = CheckId.RUN_FAILED
    status = RunStatus.FAILED
    what = "crashed"


class RunTimeout(_StatusCheck):
    id = CheckId.RUN_TIMEOUT
    status = RunStatus.TIMEOUT
    what = "passed the hard time limit and were killed"


class RunMemory(_StatusCheck):
    id = CheckId.RUN_MEMORY
    status = RunStatus.MEMORY
    what = "ran out of memory"


class DatasetModified(RuntimeCheck):
    id = CheckId.DATASET_MODIFIED

    def check(self, ctx: RunContext) -> Iterable[Finding]:
        hits = [o.index for o in ctx.outcomes if not o.dataset_intact]
        if hits:
            yield self.finding(
                f"the dataset copy was changed or removed during {_runs(hits, len(ctx.outcomes))}",
                file=ctx.file_name,
            )


class RunsDeterministic(RuntimeCheck):
    """Every run printing the same error is what a fixed seed looks like.

    Each run draws a new train/test split, so two runs agree on the error by chance now and then;
    three or more all agreeing is not chance (a few in ten thousand for a 2 % error).
    """

    id = CheckId.RUNS_DETERMINISTIC
    minimum_runs = 3

    def check(self, ctx: RunContext) -> Iterable[Finding]:
        errors = [m.error_pct for m in ctx.metrics if m.status is RunStatus.OK]
        if len(errors) >= self.minimum_runs and len(set(errors)) == 1:
            yield self.finding(
                f"all {len(errors)} runs printed the same test error ({errors[0]:.2f}%) although "
                "each draws a new split: seeding suspected",
                file=ctx.file_name,
            )
