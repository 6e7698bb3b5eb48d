"""The view of one student's page: per task, the verdict, findings, runs, harness facts, the
sensitivity-analysis figure and the diff against the provided original.

Everything a student wrote or printed reaches the page only as text for the template to escape;
the one exception, the analysis figure, is embedded as a ``data:`` URI only after its bytes are
checked to be a PNG image.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from grader.original.parse import parse_original
from grader.records import (
    Finding,
    RunMetrics,
    RunOutcome,
    RunStatus,
    SubmissionResult,
    TaskResult,
)
from grader.report import formatting as fmt
from grader.report.diffview import DiffView, build_diff_view
from grader.report.formatting import Badge
from grader.report.hand_in_view import HandInView, hand_in_view
from grader.report.leaderboard import Ranked
from grader.report.marks_view import MarksView
from grader.report.strips import Strip, strip
from grader.report.view import SiteView, task_limits
from grader.spec import TaskSpec

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
#: what a run table shows of a failed run's output: its last lines, at most this many characters
TAIL_LINES = 40
TAIL_CHARS = 6000
#: terminal control sequences (Keras bolds its error messages) and other control characters
CONTROL = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|[\x00-\x08\x0b-\x1f\x7f]")


@dataclass(frozen=True)
class FindingView:
    severity: Badge
    check: str
    message: str
    location: str  # "task1.py:42", or "" for a finding about the runs or the whole file
    href: str  # "#task1-L42" when that line is on the page, else ""


@dataclass(frozen=True)
class RunRow:
    number: str
    status: Badge
    cells: tuple[str, ...]  # error, size, duration, wall, CPU, peak memory
    note: str
    stdout: str  # the tails, only for a run that did not end ok
    stderr: str

    @property
    def shows_output(self) -> bool:
        return bool(self.stdout or self.stderr or self.note)


@dataclass(frozen=True)
class ModelView:
    name: str
    layers: str
    params: str
    runs: str  # which runs trained this model, e.g. "runs 1, 2, 3, 4, 5"


@dataclass(frozen=True)
class TaskSection:
    id: str
    title: str
    file: str
    verdict: Badge
    limits: str
    facts: tuple[tuple[str, str], ...]  # the summary: mean error, size, duration, rank ...
    strip: Strip | None
    findings: tuple[FindingView, ...]
    runs: tuple[RunRow, ...]
    models: tuple[ModelView, ...]
    observed: tuple[tuple[str, str], ...]  # other harness facts worth a look (seeding, files ...)
    figure_uri: str
    diff: DiffView | None
    diff_stats: str


@dataclass(frozen=True)
class StudentView:
    site: SiteView
    id: str
    source: str
    sha256: str
    label: str  # "reference solution" or ""
    sections: tuple[TaskSection, ...]
    previous: tuple[str, str] | None  # (id, href) of the neighbours in the class list
    following: tuple[str, str] | None
    hand_in: HandInView | None = None  # name, submission time and lateness, when known
    marks: MarksView | None = None  # the mark, its breakdown, intervals and overrides


def tail(text: str, *, lines: int = TAIL_LINES, chars: int = TAIL_CHARS) -> str:
    """The end of a run's output, as much as a reader needs to see why it failed.

    Colour codes are dropped: a page shows them as stray ``[1m`` text, not as colour.
    """
    kept = "\n".join(CONTROL.sub("", text).rstrip("\n").splitlines()[-lines:])
    return kept if len(kept) <= chars else "…" + kept[-chars:]


def figure_uri(png: bytes | None) -> str:
    """A ``data:`` URI of the analysis figure, or "" when there is none or it is not a PNG."""
    if not png or not png.startswith(PNG_MAGIC):
        return ""
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")


def finding_view(finding: Finding, *, task: TaskSpec, anchors: frozenset[int]) -> FindingView:
    location = ""
    href = ""
    if finding.line is not None:
        location = f"{finding.file or task.file}:{finding.line}"
        if finding.file in (None, task.file) and finding.line in anchors:
            href = f"#{task.id}-L{finding.line}"
    elif finding.file:
        location = finding.file
    return FindingView(
        fmt.severity_badge(finding.severity), finding.check, finding.message, location, href
    )


def run_row(metrics: RunMetrics, outcome: RunOutcome | None) -> RunRow:
    failed = metrics.status is not RunStatus.OK
    return RunRow(
        number=str(metrics.index + 1),
        status=fmt.status_badge(metrics.status),
        cells=(
            fmt.pct(metrics.error_pct),
            fmt.count(metrics.model_size),
            fmt.seconds(metrics.duration_s),
            fmt.seconds(metrics.wall_s),
            fmt.seconds(metrics.cpu_s),
            fmt.megabytes(metrics.max_rss_mb),
        ),
        note=outcome.note if outcome else "",
        stdout=tail(outcome.stdout) if outcome and failed else "",
        stderr=tail(outcome.stderr) if outcome and failed else "",
    )


def models(outcomes: Sequence[RunOutcome]) -> tuple[ModelView, ...]:
    """The distinct models the harness saw trained, with the runs that trained each."""
    seen: dict[tuple[str, tuple[str, ...], int], list[int]] = {}
    for outcome in outcomes:
        for model in outcome.facts.models if outcome.facts else ():
            seen.setdefault((model.name, model.layers, model.params), []).append(outcome.index + 1)
    return tuple(
        ModelView(
            name,
            " → ".join(layers) or fmt.MISSING,
            fmt.count(params),
            ("run " if len(runs) == 1 else "runs ") + ", ".join(map(str, sorted(set(runs)))),
        )
        for (name, layers, params), runs in seen.items()
    )


_OBSERVED: tuple[tuple[str, str], ...] = (
    ("training_calls", "training"),
    ("weights_loaded", "weights loaded"),
    ("seed_calls", "seeding"),
    ("files_opened", "files opened"),
    ("sockets", "sockets"),
    ("subprocesses", "subprocesses"),
)


def observed(outcomes: Sequence[RunOutcome]) -> tuple[tuple[str, str], ...]:
    """The harness facts beyond the model, merged over the runs (only those that occurred)."""
    facts = [o.facts for o in outcomes if o.facts is not None]
    out: list[tuple[str, str]] = []
    for field, label in _OBSERVED:
        values = dict.fromkeys(v for f in facts for v in getattr(f, field))
        if values:
            out.append((label, ", ".join(values)))
    leaked = max((f.test_rows_in_training for f in facts), default=0)
    if leaked:
        out.append(("test rows in training", fmt.count(leaked)))
    if outcomes and not facts:
        out.append(("harness", "no run reported its facts"))
    return tuple(out)


def _facts(
    result: TaskResult, ranked: Ranked | None, ranked_of: int
) -> tuple[tuple[str, str], ...]:
    summary = result.summary
    ok = sum(1 for r in result.runs if r.status is RunStatus.OK)
    facts = [
        ("mean test error", fmt.pct_spread(summary.mean_error_pct, summary.std_error_pct)),
        ("model size", fmt.count(summary.model_size)),
        ("mean duration", fmt.seconds(summary.mean_duration_s)),
        ("runs ok", f"{ok} of {len(result.runs)}"),
    ]
    if ranked is not None:
        where = (
            f"error #{ranked.error_rank}, size #{ranked.size_rank}, time #{ranked.time_rank}"
            f" of {ranked_of}"
        )
        facts.append(("leaderboard", where + (" · Pareto front" if ranked.pareto else "")))
    return tuple(facts)


def task_section(
    result: TaskResult, *, task: TaskSpec, ranked: Ranked | None = None, ranked_of: int = 0
) -> TaskSection:
    findings = sorted(result.findings, key=lambda f: fmt.severity_rank(f.severity))
    keep = frozenset(f.line for f in findings if f.line is not None and f.file in (None, task.file))
    diff = None
    if result.diff is not None:
        diff = build_diff_view(
            original=parse_original(task),
            unified=result.diff.unified,
            anchor_prefix=task.id,
            keep=keep,
        )
    anchors = diff.anchors if diff else frozenset()
    outcomes = {o.index: o for o in result.outcomes}
    return TaskSection(
        id=task.id,
        title=task.title,
        file=task.file,
        verdict=fmt.verdict_badge(result.verdict),
        limits=task_limits(task),
        facts=_facts(result, ranked, ranked_of),
        strip=strip(result.runs, task=task, width=320, height=30, pad=8),
        findings=tuple(finding_view(f, task=task, anchors=anchors) for f in findings),
        runs=tuple(run_row(m, outcomes.get(m.index)) for m in result.runs),
        models=models(result.outcomes),
        observed=observed(result.outcomes),
        figure_uri=figure_uri(result.figure_png),
        diff=diff,
        diff_stats=(
            f"+{result.diff.lines_added} −{result.diff.lines_removed} lines"
            if result.diff
            else "no file to compare"
        ),
    )


def student_view(
    result: SubmissionResult,
    *,
    site: SiteView,
    tasks: Sequence[TaskSpec],
    ranked: Mapping[str, Mapping[str, Ranked]],
    label: str = "",
    previous: tuple[str, str] | None = None,
    following: tuple[str, str] | None = None,
    marks: MarksView | None = None,
) -> StudentView:
    """One student's page; ``ranked`` maps task -> student id -> leaderboard place."""
    sections = []
    for task in tasks:
        task_result = result.tasks.get(task.id)
        if task_result is None:
            continue
        places = ranked.get(task.id, {})
        sections.append(
            task_section(
                task_result, task=task, ranked=places.get(result.id), ranked_of=len(places)
            )
        )
    return StudentView(
        site=site,
        id=result.id,
        source=result.source,
        sha256=result.sha256,
        label=label,
        sections=tuple(sections),
        previous=previous,
        following=following,
        hand_in=hand_in_view(result),
        marks=marks,
    )
