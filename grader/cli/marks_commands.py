"""``grader export`` (marks into the VLE's gradebook file) and ``grader feedback`` (a page per
student, and Moodle's bulk-upload zip): both read a report folder's store and its overrides, and
run nothing."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from grader.marks import ClassMarks
    from grader.records import SubmissionResult
    from grader.spec import Assignment

ASSIGNMENT_HELP = "assignment spec or folder (default: the assignment shipped with the grader)"


def add_marks_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    export = commands.add_parser(
        "export", help="fill the VLE's gradebook file with the marks of the class in DIR")
    export.add_argument("dir", metavar="DIR")
    export.add_argument("--to", choices=("moodle", "canvas", "csv"), default="csv",
                        help="moodle: the assignment's grading worksheet; canvas: the gradebook "
                        "export; csv: id, name, mark, out_of, feedback (default)")
    export.add_argument("--template", metavar="FILE",
                        help="the file the VLE gave (moodle, canvas): filled, the rest kept")
    export.add_argument("--column", help="canvas: the assignment's column (its title)")
    export.add_argument("--out", metavar="FILE", help="where to write (default: DIR/gradebook-"
                        "<profile>.csv)")
    export.add_argument("--assignment", help=ASSIGNMENT_HELP)

    feedback = commands.add_parser(
        "feedback", help="one self-contained feedback page per student of the class in DIR")
    feedback.add_argument("dir", metavar="DIR")
    feedback.add_argument("--out", default="feedback", help="output folder (default: feedback/)")
    feedback.add_argument("--hide", default="",
                          help="comma-separated: harness, thresholds, runs, figure, diff, "
                          "overrides (left out of every page)")
    feedback.add_argument("--moodle-zip", action="store_true",
                          help="also write moodle-feedback.zip for Moodle's \"Upload multiple "
                          "feedback files in a zip\"")
    feedback.add_argument("--assignment", help=ASSIGNMENT_HELP)


@contextmanager
def _class(args: argparse.Namespace
           ) -> Iterator[tuple[Assignment, list[SubmissionResult], ClassMarks]]:
    """The graded students (or the reference, when the folder holds only that) and their marks,
    with the folder's overrides, as ``grader report`` would render them."""
    from grader.marks import OVERRIDES_NAME, mark_class, read_overrides
    from grader.report.results_json import build_results
    from grader.spec import load_assignment
    from grader.store.database import STORE_NAME, Store

    folder = Path(args.dir)
    if not (folder / STORE_NAME).is_file():
        raise LookupError(f"no {STORE_NAME} in {folder}: run `grader run` first")
    assignment = load_assignment(args.assignment)
    with Store.in_folder(folder, create=False) as store:
        settings = store.meta().get("settings")
        runs = settings.get("runs") if isinstance(settings, dict) else None
        graded = (build_results(store, assignment=assignment, runs=runs, kind="student")
                  or build_results(store, assignment=assignment, runs=runs, kind="reference"))
        yield assignment, graded, mark_class(graded, assignment=assignment,
                                             overrides=read_overrides(folder / OVERRIDES_NAME))


def _guarded(command: str, body: Callable[[], int]) -> int:
    """Every fault of the grader's own inputs (store, spec, overrides, the VLE file) and outputs
    is one line and exit 2."""
    import sqlite3

    from grader.marks import OverrideError
    from grader.materials import MaterialsError
    from grader.original.parse import OriginalError
    from grader.report.atomic import OutputError
    from grader.report.gradebook import GradebookError
    from grader.spec import SpecError
    from grader.store.database import StoreError

    try:
        return body()
    except (LookupError, SpecError, OriginalError, MaterialsError, OverrideError, GradebookError,
            StoreError, OutputError, ValueError) as exc:
        print(f"grader {command}: {exc}", file=sys.stderr)
    except (sqlite3.Error, OSError) as exc:
        print(f"grader {command}: {exc}", file=sys.stderr)
    return 2


def run_export(args: argparse.Namespace) -> int:
    from grader.report.atomic import write_atomic
    from grader.report.gradebook import fill

    def body() -> int:
        template = None
        if args.template:
            template = Path(args.template).read_text(encoding="utf-8-sig")
            template = ("\ufeff" + template) if Path(args.template).read_bytes().startswith(
                b"\xef\xbb\xbf") else template
        with _class(args) as (_, results, marks):
            filled = fill(args.to, template=template, results=results, marks=marks,
                          options={"column": args.column})
        out = Path(args.out or Path(args.dir) / f"gradebook-{args.to}.csv")
        write_atomic(out, filled.text)
        print(f"{len(filled.filled)} student(s) filled in {out}")
        for row in filled.rows_unmatched:
            print(f"  row kept as it was (no graded student matches it): {row}")
        for student in filled.students_unmatched:
            print(f"  graded, but no row in the file: {student}")
        return 0

    return _guarded("export", body)


def run_feedback(args: argparse.Namespace) -> int:
    from grader.report.feedback import write_feedback

    def body() -> int:
        hide = frozenset(h.strip() for h in args.hide.split(",") if h.strip())
        with _class(args) as (assignment, results, marks):
            batch = write_feedback(results=results, marks=marks,
                                   assignment=assignment, out_dir=Path(args.out),
                                   hide=hide, moodle_zip=args.moodle_zip)
        print(f"{len(batch.pages)} feedback page(s) in {args.out}"
              + (f"; Moodle's upload zip: {batch.zip_path}" if batch.zip_path else ""))
        if batch.zip_path is not None:
            for student in batch.not_in_zip:
                print(f"  not in the zip (no Moodle participant id): {student}")
        return 0

    return _guarded("feedback", body)
