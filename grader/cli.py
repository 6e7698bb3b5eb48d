"""The ``grader`` command: a thin layer over the keyword-only library functions."""

from __future__ import annotations

import argparse
import json
import logging
import sys
from collections.abc import Sequence
from pathlib import Path

from grader import __version__


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
    run.add_argument("--jobs", type=int, default=1, help="runs in parallel, each on its own core")
    run.add_argument("--tasks", help="comma-separated task ids (default: all)")
    run.add_argument("--timeout", type=float, help="hard wall-clock limit per run, in seconds")
    run.add_argument("--assignment", help="assignment spec (default: assignment.toml)")
    run.add_argument("--scheduler", help="address of a Dask scheduler to run on")

    check = commands.add_parser("check", help="static and diff checks only (seconds, no runs)")
    check.add_argument("paths", nargs="+", metavar="PATH")
    check.add_argument("--json", action="store_true", help="print findings as JSON")
    check.add_argument("--assignment", help="assignment spec (default: assignment.toml)")

    reference = commands.add_parser("reference", help="grade the reference solutions")
    reference.add_argument("--runs", type=int, help="runs per task (default: the assignment's)")
    reference.add_argument("--out", default="report-reference", help="output folder")
    reference.add_argument("--assignment", help="assignment spec (default: assignment.toml)")

    report = commands.add_parser("report", help="re-render the report from the store in DIR")
    report.add_argument("dir", metavar="DIR")
    return parser


def _check(args: argparse.Namespace) -> int:
    """``grader check``: exit 1 if any violation, 0 otherwise, 2 for a bad path or spec."""
    from grader.check_output import check_json, check_lines, has_violation
    from grader.checking import check_paths
    from grader.intake import IntakeError
    from grader.original import OriginalError
    from grader.spec import SpecError, load_assignment

    try:
        assignment = load_assignment(args.assignment)
        checked = check_paths([Path(p) for p in args.paths], assignment=assignment)
    except (SpecError, OriginalError, IntakeError) as exc:
        print(f"grader check: {exc}", file=sys.stderr)
        return 2
    if args.json:
        print(json.dumps(check_json(checked), indent=2))
    elif sys.stdout.isatty():
        from rich.console import Console
        from rich.text import Text

        console = Console(soft_wrap=True, highlight=False)
        for line in check_lines(checked, task_files={t.id: t.file for t in assignment.tasks}):
            console.print(Text(line.text, style=line.style))
    else:
        for line in check_lines(checked, task_files={t.id: t.file for t in assignment.tasks}):
            print(line.text)
    return 1 if has_violation(checked) else 0


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    if args.command == "check":
        return _check(args)
    print(f"grader {args.command}: not yet implemented", file=sys.stderr)
    return 2
