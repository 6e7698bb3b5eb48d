"""The ``grader`` command: a thin layer over the keyword-only library functions."""

from __future__ import annotations

import argparse
import json
import logging
import math
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from grader import __version__
from grader.cli.intake_command import add_intake_arguments, options_from, run_intake
from grader.cli.marks_commands import add_marks_commands, run_export, run_feedback

if TYPE_CHECKING:
    from rich.console import Console

    from grader.spec import Assignment

JOBS_HELP = ("runs in parallel, each pinned to its own cores (default: the usable cores divided "
             "by the assignment's threads per run, at least 1)")
RESUME = "run the same command again to resume"
ASSIGNMENT_HELP = ("an assignment folder (its assignment.toml) or spec file; paths in the spec are "
                   "relative to its folder (default: the assignment shipped with the grader)")
NO_ISOLATION_HELP = ("run student code even where no isolation layer (bubblewrap, util-linux "
                     "namespaces) works: resource limits only, and the report says so")
COMPARE = ("also compare every hand-in's own code with the solutions under DIR (an earlier "
           "year's class, a folder of known solutions); may be repeated")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="grader",
        description="Grade 'Assignment 3: CNNs and RNNs': static and diff checks, sandboxed CPU "
        "runs, verdicts and an HTML report.",
    )
    parser.add_argument("--version", action="version", version=f"grader {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    run = commands.add_parser("run", help="grade every submission found under the paths")
    run.add_argument("paths", nargs="+", metavar="PATH")
    run.add_argument("--out", default="report", help="output folder (default: report/)")
    run.add_argument("--runs", type=int, help="runs per task (default: the assignment's)")
    run.add_argument("--jobs", type=int, help=JOBS_HELP)
    run.add_argument("--tasks", help="comma-separated task ids (default: all)")
    run.add_argument("--timeout", type=float,
                     help="hard wall-clock limit per run, in seconds, above 0 (default: the "
                     "assignment's); runs stored under another limit are made again")
    run.add_argument("--assignment", help=ASSIGNMENT_HELP)
    run.add_argument("--scheduler", help="address of a Dask scheduler to run on")
    run.add_argument("--fresh", action="store_true", help="run again what the store already has")
    run.add_argument("--no-isolation", action="store_true", help=NO_ISOLATION_HELP)
    run.add_argument("--no-analysis", action="store_true",
                     help="skip the extra run that draws each model's sensitivity analysis")
    run.add_argument("--compare-with", action="append", default=[], metavar="DIR", help=COMPARE)
    run.add_argument("--borderline-runs", type=int, default=0, metavar="N",
                     help="N more runs of each borderline task (a verdict line inside the "
                     "interval of its mean error), shown beside the counted runs; the verdict "
                     "stays the mean of the counted runs (default: none)")
    add_intake_arguments(run)

    intake = commands.add_parser("intake", help="how the paths would be read: students, roster, "
                                 "submission times (seconds, nothing run)")
    intake.add_argument("paths", nargs="+", metavar="PATH")
    intake.add_argument("--assignment", help="assignment spec (default: assignment.toml)")
    add_intake_arguments(intake)

    check = commands.add_parser("check", help="static and diff checks only (seconds, no runs)")
    check.add_argument("paths", nargs="+", metavar="PATH")
    check.add_argument("--json", action="store_true", help="print findings as JSON")
    check.add_argument("--tasks", help="comma-separated task ids to check (default: all; a "
                       "student checking one script before the other is written gives its task)")
    check.add_argument("--assignment", help=ASSIGNMENT_HELP)
    check.add_argument("--compare-with", action="append", default=[], metavar="DIR",
                       help=COMPARE)

    reference = commands.add_parser("reference", help="grade the reference solutions")
    reference.add_argument("--runs", type=int, help="runs per task (default: the assignment's)")
    reference.add_argument("--out", default="report",
                           help="output folder (default: report/, beside the class's results)")
    reference.add_argument("--jobs", type=int, help=JOBS_HELP)
    reference.add_argument("--fresh", action="store_true", help="run them again")
    reference.add_argument("--no-analysis", action="store_true", help="skip the analysis run")
    reference.add_argument("--no-isolation", action="store_true", help=NO_ISOLATION_HELP)
    reference.add_argument("--assignment", help=ASSIGNMENT_HELP)

    report = commands.add_parser("report", help="re-render the report from the store in DIR")
    report.add_argument("dir", metavar="DIR")
    report.add_argument("--assignment", help=ASSIGNMENT_HELP)
    add_marks_commands(commands)
    return parser


def _check(args: argparse.Namespace) -> int:
    """``grader check``: exit 1 if any violation, 0 otherwise, 2 for a bad path or spec."""
    from grader.checks.stage import check_paths
    from grader.cli.check_printout import check_json, check_lines, has_violation
    from grader.intake.discover import IntakeError
    from grader.original.parse import OriginalError
    from grader.review.checked import review_checked
    from grader.spec import SpecError, load_assignment

    try:
        assignment = load_assignment(args.assignment)
        tasks = _task_ids(args.tasks, assignment=assignment)
        checked = check_paths([Path(p) for p in args.paths], assignment=assignment, tasks=tasks)
        checked, review = review_checked(
            checked, assignment=assignment, compare_with=[Path(p) for p in args.compare_with])
    except (SpecError, OriginalError, IntakeError) as exc:
        print(f"grader check: {exc}", file=sys.stderr)
        return 2
    if args.json:
        print(json.dumps(check_json(checked, notes=review.notes), indent=2))
    elif sys.stdout.isatty():
        from rich.console import Console
        from rich.text import Text

        console = Console(soft_wrap=True, highlight=False)
        for line in check_lines(checked, task_files={t.id: t.file for t in assignment.tasks},
                                notes=review.notes):
            console.print(Text(line.text, style=line.style))
    else:
        for line in check_lines(checked, task_files={t.id: t.file for t in assignment.tasks},
                                notes=review.notes):
            print(line.text)
    return 1 if has_violation(checked) else 0


def _task_ids(text: str | None, *, assignment: Assignment) -> list[str] | None:
    """The ``--tasks`` ids, each one of the assignment's (SpecError names an unknown one)."""
    if not text:
        return None
    ids = [t.strip() for t in text.split(",") if t.strip()]
    known = [t.id for t in assignment.tasks]
    unknown = [t for t in ids if t not in known]
    if unknown:
        from grader.spec import SpecError

        raise SpecError(f"no task {', '.join(unknown)} in the assignment (its tasks: "
                        f"{', '.join(known)})")
    return ids


def _interrupt_on_sigterm() -> None:
    """A SIGTERM stops a batch like Ctrl-C does: children killed, the store consistent."""
    import signal

    def _stop(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, _stop)


def _grade(args: argparse.Namespace, *, paths: list[Path], kind: str, title: str,
           tasks: list[str] | None, runs: int | None, scheduler: str | None = None,
           timeout: float | None = None) -> int:
    """Grade into ``args.out``: 0 done, 1 some runs failed in the grader, 2 cannot start, 130
    interrupted (Ctrl-C or SIGTERM at any stage: the store stays consistent)."""
    from rich.console import Console

    console = Console(highlight=False)
    if not console.is_terminal:  # piped or logged: rich would assume 80 columns and squeeze
        console = Console(highlight=False, width=120)
    out = Path(args.out)
    try:
        _interrupt_on_sigterm()
        return _grade_batch(args, console=console, out=out, paths=paths, kind=kind, title=title,
                            tasks=tasks, runs=runs, scheduler=scheduler, timeout=timeout)
    except KeyboardInterrupt:
        _interrupted(console, out)
        return 130


def _interrupted(console: Console, out: Path) -> None:
    from rich.text import Text

    console.print(Text.assemble(("interrupted", "bold"), f": every finished run is stored in "
                                f"{out / 'grader.sqlite'}; {RESUME}."))


def _grade_batch(args: argparse.Namespace, *, console: Console, out: Path, paths: list[Path],
                 kind: str, title: str, tasks: list[str] | None, runs: int | None,
                 scheduler: str | None, timeout: float | None) -> int:
    from rich.text import Text

    from grader.cli.console import RunProgress, summary_table
    from grader.intake.discover import IntakeError
    from grader.marks import OVERRIDES_NAME, OverrideError, read_overrides
    from grader.materials import MaterialsError, templates
    from grader.original.parse import OriginalError
    from grader.pipeline import grade
    from grader.report.atomic import OutputError
    from grader.run.planning import GradingError, default_jobs, oversubscribed
    from grader.spec import SpecError, load_assignment
    from grader.store.database import StoreError

    try:
        templates()  # the report's templates are installed: found out before any run, not after
        assignment = load_assignment(args.assignment)
        read_overrides(out / OVERRIDES_NAME)  # a broken overrides.toml stops before any run
        jobs = args.jobs or default_jobs(assignment)
        warning = "" if scheduler else oversubscribed(jobs=jobs, assignment=assignment)
        if warning:
            print(f"grader {args.command}: {warning}", file=sys.stderr)
        batch = grade(
            paths=paths, assignment=assignment, out_dir=out, runs=runs, jobs=jobs, tasks=tasks,
            timeout=timeout, fresh=args.fresh, analysis=not args.no_analysis,
            scheduler=scheduler, kind=kind, progress=RunProgress(console),
            intake=options_from(args),
            no_isolation=args.no_isolation,
            compare_with=[Path(p) for p in getattr(args, "compare_with", [])],
            borderline_runs=getattr(args, "borderline_runs", 0),
        )
    except (SpecError, OriginalError, IntakeError, GradingError, MaterialsError, StoreError,
            OutputError, OverrideError) as exc:
        print(f"grader {args.command}: {exc}", file=sys.stderr)
        return 2
    if batch.results:
        console.print(summary_table(batch.results, title=title))
    console.print(Text(
        f"{batch.runs_done} run(s) made, {batch.runs_skipped} taken from the store; "
        f"report: {out / 'index.html'}, results: {out / 'results.json'}, "
        f"grades: {out / 'grades.csv'}"
    ))
    if batch.interrupted:
        _interrupted(console, out)
        return 130
    if batch.grader_errors or batch.error:
        why = (f"the executor stopped ({batch.error})" if batch.error else
               f"{batch.grader_errors} run(s) failed in the grader itself (not stored)")
        print(f"grader {args.command}: {why}; every finished run is stored: run the same "
              "command again to make the missing runs", file=sys.stderr)
        return 1
    return 0


def _bad_numbers(args: argparse.Namespace) -> str:
    """What is wrong with --jobs, --runs or --timeout (empty when nothing)."""
    if (args.jobs is not None and args.jobs < 1) or (args.runs is not None and args.runs < 1):
        return "--jobs and --runs must be at least 1"
    if getattr(args, "borderline_runs", 0) < 0:
        return "--borderline-runs must be 0 (off) or more"
    timeout = getattr(args, "timeout", None)
    if timeout is not None and not (math.isfinite(timeout) and timeout > 0):
        return f"--timeout must be a number of seconds above 0 (got {timeout})"
    return ""


def _run(args: argparse.Namespace) -> int:
    if problem := _bad_numbers(args):
        print(f"grader run: {problem}", file=sys.stderr)
        return 2
    tasks = [t.strip() for t in args.tasks.split(",") if t.strip()] if args.tasks else None
    return _grade(args, paths=[Path(p) for p in args.paths], kind="student",
                  title="grader run", tasks=tasks, runs=args.runs, scheduler=args.scheduler,
                  timeout=args.timeout)


def _reference(args: argparse.Namespace) -> int:
    """Check that the originals parse into their regions, then grade the reference solutions."""
    from grader.original.parse import OriginalError, parse_original
    from grader.spec import SpecError, load_assignment

    if problem := _bad_numbers(args):
        print(f"grader reference: {problem}", file=sys.stderr)
        return 2
    try:
        assignment = load_assignment(args.assignment)
        for task in assignment.tasks:
            original = parse_original(task)
            print(f"original {task.file}: {len(original.provided)} provided region(s), "
                  f"{len(original.regions) - len(original.provided)} student region(s), "
                  f"test set in {', '.join(sorted(original.test_names))}")
    except (SpecError, OriginalError) as exc:
        print(f"grader reference: {exc}", file=sys.stderr)
        return 2
    solutions = sorted({t.solution.parent for t in assignment.tasks})
    return _grade(args, paths=solutions, kind="reference", title="grader reference",
                  tasks=None, runs=args.runs)


def _report(args: argparse.Namespace) -> int:
    """``grader report``: 0 re-rendered; 2 no store, a bad spec or original, a broken store or
    an output folder that cannot be written (the previous report is then left as it was)."""
    from grader.marks import OverrideError
    from grader.materials import MaterialsError
    from grader.original.parse import OriginalError
    from grader.pipeline import render_outputs
    from grader.report.atomic import OutputError
    from grader.spec import SpecError, load_assignment
    from grader.store.database import STORE_NAME, Store, StoreError

    folder = Path(args.dir)
    if not (folder / STORE_NAME).is_file():
        print(f"grader report: no {STORE_NAME} in {folder}: run `grader run` first",
              file=sys.stderr)
        return 2
    try:
        assignment = load_assignment(args.assignment)
        with Store.in_folder(folder, create=False) as store:
            results = render_outputs(store=store, assignment=assignment, out_dir=folder)
    except (SpecError, OriginalError, MaterialsError, StoreError, OutputError,
            OverrideError) as exc:
        print(f"grader report: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("grader report: interrupted; run it again to re-render", file=sys.stderr)
        return 130
    print(f"re-rendered {len(results)} submission(s): {folder / 'index.html'}")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    commands = {"check": _check, "run": _run, "reference": _reference, "report": _report,
                "intake": run_intake, "export": run_export, "feedback": run_feedback}
    try:
        return commands[args.command](args)
    except KeyboardInterrupt:  # before a command's own handling (loading the spec ...)
        print(f"grader {args.command}: interrupted"
              + (f"; {RESUME}" if args.command in ("run", "reference") else ""), file=sys.stderr)
        return 130
