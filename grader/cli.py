"""The ``grader`` command: a thin layer over the keyword-only library functions."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

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


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    print(f"grader {args.command}: not yet implemented", file=sys.stderr)
    return 2
