"""Write the report: a static site of plain files that opens from the file system.

``index.html`` (the class overview and plots), ``leaderboard.html``, one page per student under
``students/``, and ``assets/report.css`` beside them: no server, no network, no CDN. The small
sorting and filtering script is inline in the two pages that use it (see ``PageScript``).
Jinja2 renders with autoescaping on for every template and ``StrictUndefined``, so a misspelt
name fails the render instead of printing nothing; the values all come prepared from the view
layer (``view``, ``student_view``). The whole site is rendered into a staging folder and swapped
in when complete (``published``), so a failed render leaves the previous report as it was.
"""

from __future__ import annotations

import base64
import hashlib
import shutil
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined
from markupsafe import Markup

from grader.marks import ClassMarks
from grader.materials import templates
from grader.records import ReportMeta, SubmissionResult
from grader.report.atomic import published, write_atomic
from grader.report.formatting import page_names
from grader.report.leaderboard import Ranked, entries, rank
from grader.report.leaderboard_view import leaderboard_view
from grader.report.marks_view import marks_view
from grader.report.plots import Plot, Point, task_plots
from grader.report.review_view import (
    SIMILARITY_PAGE,
    review_cell,
    similarity_view,
    student_review,
)
from grader.report.student_view import student_view
from grader.report.view import overview_view, site_view
from grader.review.stage import ClassReview
from grader.spec import Assignment, TaskSpec

ASSETS = ("report.css",)
STUDENTS = "students"


@dataclass(frozen=True)
class PageScript:
    """The script a page carries inline, and the Content-Security-Policy source that allows it.

    The pages forbid every script but this one, named by its hash: should escaping ever fail,
    injected markup still cannot run. A hash, unlike ``'self'``, means the same from ``file://``
    in every browser. Student pages need no script and allow none.
    """

    source: Markup
    policy: str


NO_SCRIPT = PageScript(Markup(""), "script-src 'none'")


def page_script(path: Path | None = None) -> PageScript:
    """The inline script (default: the shipped ``report.js``)."""
    path = path if path is not None else templates() / "report.js"
    source = path.read_text(encoding="utf-8")
    if "</" in source:  # would end the inline <script> element early
        raise ValueError(f"{path}: an inline script must not contain '</'")
    digest = base64.b64encode(hashlib.sha256(source.encode()).digest()).decode("ascii")
    return PageScript(Markup(source), f"script-src 'sha256-{digest}'")


def environment(folder: Path | None = None) -> Environment:
    """Jinja2 over the templates in ``folder`` (default: the shipped ones, see materials)."""
    return Environment(
        loader=FileSystemLoader(folder if folder is not None else templates()),
        autoescape=True,  # every template, whatever its name: student text is never markup
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )


def graded_tasks(assignment: Assignment, results: Sequence[SubmissionResult]) -> list[TaskSpec]:
    """The assignment's tasks that any result holds, in the assignment's order (all if none)."""
    present = {task for result in results for task in result.tasks}
    chosen = [t for t in assignment.tasks if t.id in present]
    return chosen or list(assignment.tasks)


def plot_points(results: Sequence[SubmissionResult], task: str) -> list[Point]:
    points = []
    for result in results:
        task_result = result.tasks.get(task)
        if task_result is None:
            continue
        summary = task_result.summary
        if summary.mean_error_pct is None:
            continue
        points.append(
            Point(
                summary.mean_error_pct,
                summary.model_size,
                summary.mean_duration_s,
                task_result.verdict,
            )
        )
    return points


def render_report(
    *,
    results: Sequence[SubmissionResult],
    reference: Sequence[SubmissionResult],
    meta: ReportMeta,
    assignment: Assignment,
    out_dir: Path,
    also: Callable[[Path], object] | None = None,
    review: ClassReview | None = None,
    marks: ClassMarks | None = None,
) -> Path:
    """Write the whole report into ``out_dir`` and return the path of its ``index.html``.

    ``results`` are the students, in the order the table lists them; ``reference`` are the
    reference solutions, pinned above the students for comparison and never ranked. Everything
    is rendered into a staging folder first (with whatever ``also`` writes into it: the exports)
    and swapped in only when complete; pages of students no longer graded go only then. A
    file-system fault raises OutputError and leaves the previous report as it was.
    ``review`` (the review stage's similarity and notes) adds ``similarity.html``, the overview's
    review column and a review section on each student's page.
    """
    out_dir = Path(out_dir)
    with published(out_dir) as stage:
        if also is not None:
            also(stage)
        _write_site(stage, results=results, reference=reference, meta=meta,
                    assignment=assignment, review=review, marks=marks)
    return out_dir / "index.html"


def _write_site(
    out_dir: Path,
    *,
    results: Sequence[SubmissionResult],
    reference: Sequence[SubmissionResult],
    meta: ReportMeta,
    assignment: Assignment,
    review: ClassReview | None = None,
    marks: ClassMarks | None = None,
) -> None:
    env = environment()
    tasks = graded_tasks(assignment, [*results, *reference])
    names = page_names([r.id for r in [*results, *reference]])
    from_root = {student: f"{STUDENTS}/{name}" for student, name in names.items()}
    ranked: dict[str, list[Ranked]] = {t.id: rank(entries(results, task=t.id)) for t in tasks}
    plots: dict[str, tuple[Plot, ...]] = {
        t.id: task_plots(
            task=t, points=plot_points(results, t.id), reference=plot_points(reference, t.id)
        )
        for t in tasks
    }

    _copy_assets(out_dir / "assets")
    index = out_dir / "index.html"
    overview = overview_view(
        results=results, reference=reference, meta=meta, tasks=tasks, pages=from_root, plots=plots,
        review=None if review is None else {r.id: review_cell(review, r.id) for r in results},
        similar_pairs=0 if review is None else sum(p.similar for p in review.pairs),
        marks=marks,
    )
    if review is not None:
        similar = similarity_view(review, site=site_view(meta), pages=from_root,
                                  students=len(results))
        write_atomic(out_dir / SIMILARITY_PAGE, env.get_template("similarity.html.j2").render(
            view=similar, page="similarity", script=NO_SCRIPT))
    script = page_script()
    write_atomic(
        index,
        env.get_template("index.html.j2").render(view=overview, page="index", script=script),
    )
    board = leaderboard_view(
        results=results, reference=reference, meta=meta, tasks=tasks, ranked=ranked, pages=from_root
    )
    write_atomic(
        out_dir / "leaderboard.html",
        env.get_template("leaderboard.html.j2").render(
            view=board, page="leaderboard", script=script
        ),
    )
    _write_students(
        env,
        out_dir / STUDENTS,
        results=results,
        reference=reference,
        meta=meta,
        tasks=tasks,
        ranked=ranked,
        names=names,
        review=review,
        marks=marks,
    )


def _write_students(
    env: Environment,
    folder: Path,
    *,
    results: Sequence[SubmissionResult],
    reference: Sequence[SubmissionResult],
    meta: ReportMeta,
    tasks: Sequence[TaskSpec],
    ranked: dict[str, list[Ranked]],
    names: dict[str, str],
    review: ClassReview | None = None,
    marks: ClassMarks | None = None,
) -> None:
    """A page per student and per reference solution (into a fresh staging folder)."""
    template = env.get_template("student.html.j2")
    site = site_view(meta, root="../")
    places = {task: {r.entry.id: r for r in rows} for task, rows in ranked.items()}
    folder.mkdir(parents=True, exist_ok=True)
    for group, label in ((results, ""), (reference, "reference solution")):
        for n, result in enumerate(group):
            before = group[n - 1] if n > 0 else None
            after = group[n + 1] if n + 1 < len(group) else None
            view = student_view(
                result,
                site=site,
                tasks=tasks,
                ranked=places,
                label=label,
                previous=(before.id, names[before.id]) if before else None,
                following=(after.id, names[after.id]) if after else None,
                marks=marks_view(marks.students.get(result.id) if marks else None,
                                 scheme_set=bool(marks and marks.scheme)),
            )
            aids = None if review is None or label else student_review(
                review, owner=result.id, tasks=[t.id for t in tasks], pages=names)
            write_atomic(
                folder / names[result.id],
                template.render(view=view, page="student", script=NO_SCRIPT, review=aids),
            )


def _copy_assets(folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    source = templates()
    for name in ASSETS:
        shutil.copyfile(source / name, folder / name)
