"""``grader intake PATH... [--roster FILE]``: the dry run of a class's intake, and the options
``grader run`` shares with it (``--from``, ``--id-pattern``, ``--roster``, ``--at``).

Nothing is run and nothing is written: the instructor sees in seconds how the download was read
(which profile, who is who, when each handed in and how that stands against the deadline),
whom the roster matched, who is on the roster without a hand-in (graded as ``missing``), which
hand-ins match nobody, and what is doubled, before committing the machine to a grading.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from grader.ids import CheckId
from grader.intake.bulk import SOURCES, ClassIntake, IntakeOptions, read_class
from grader.intake.lateness import lateness
from grader.records import LateStatus, Submission
from grader.spec import Assignment


def add_intake_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--from", dest="source", choices=SOURCES, default="auto",
                        help="how the paths are laid out (default: told from their names)")
    parser.add_argument("--id-pattern", metavar="REGEX",
                        help="a regular expression with a named group (?P<id>...) (and optionally "
                        "name, file) matching each entry of a download of another kind")
    parser.add_argument("--roster", metavar="FILE",
                        help="the class list as the VLE exports it (Moodle grading worksheet or "
                        "participants, Canvas gradebook, Blackboard Grade Center CSV)")
    parser.add_argument("--at", choices=["deadline", "HEAD"], default="deadline",
                        help="git clones: grade the last commit before the deadline (default) "
                        "or the head")


def options_from(args: argparse.Namespace) -> IntakeOptions | None:
    """The intake options of a command that has them (None for those that do not)."""
    if not hasattr(args, "source"):
        return None
    return IntakeOptions(source=args.source, id_pattern=args.id_pattern,
                         roster=Path(args.roster) if args.roster else None,
                         at_head=args.at == "HEAD")


def _when(submission: Submission, assignment: Assignment) -> str:
    hand_in = submission.hand_in
    late = lateness(assignment.deadline, student=submission.id, submitted_at=hand_in.submitted_at)
    shown = hand_in.submitted_at or "no submission time"
    status = {LateStatus.NO_DEADLINE: "", LateStatus.ON_TIME: "on time",
              LateStatus.GRACE: "in the grace period", LateStatus.UNKNOWN: "(lateness unknown)",
              LateStatus.LATE: f"late: {late.days_late} day(s), -{late.deduction_pct:g} %",
              LateStatus.AFTER_CUTOFF: "after the cut-off: not graded under the policy"}
    parts = [shown, f"({hand_in.time_source})" if hand_in.time_source else "",
             status[late.status], f"extension: {late.extension}" if late.extension else "",
             "marked late by the VLE" if hand_in.late_marker else ""]
    return " ".join(p for p in parts if p)


def intake_lines(read: ClassIntake, *, assignment: Assignment) -> list[str]:
    """What ``grader intake`` prints, one line each."""
    lines = [f"{path}: read as {profile}" for path, profile in read.profiles]
    for s in read.submissions:
        name = f" ({s.hand_in.name})" if s.hand_in.name else ""
        files = ", ".join(f"{task}: {f.path}" for task, f in sorted(s.files.items())) or "no files"
        lines.append(f"  {s.id}{name}: {files}; {_when(s, assignment)}")
        lines += [f"    {f.severity}: {f.check}: {f.message}" for f in s.findings
                  if f.check != CheckId.FILES_EXTRA]
        lines += [f"    {item}" for item in s.hand_in.not_graded]
    report = read.roster
    if report is not None:
        lines.append(f"roster ({report.kind}): {len(report.matched)} matched, "
                     f"{len(report.without_hand_in)} without a hand-in, {len(report.unmatched)} "
                     f"matching nobody, {len(report.duplicates)} doubled")
        lines += [f"  on the roster, nothing handed in (graded as missing): {ident} ({name})"
                  for ident, name in report.without_hand_in]
        lines += [f"  matches nobody on the roster: {ident} ({where})"
                  for ident, where in report.unmatched]
        lines += [f"  doubled: {line}" for line in report.duplicates]
    return lines


def run_intake(args: argparse.Namespace) -> int:
    """0 when the class was read, 2 when a path, the spec or the roster cannot be used."""
    from grader.intake.discover import IntakeError
    from grader.spec import SpecError, load_assignment

    try:
        assignment = load_assignment(args.assignment)
        read = read_class([Path(p) for p in args.paths], assignment=assignment,
                          options=options_from(args))
    except (SpecError, IntakeError) as exc:
        print(f"grader intake: {exc}", file=sys.stderr)
        return 2
    for line in intake_lines(read, assignment=assignment):
        print(line)
    print(f"{len(read.submissions)} submission(s); nothing was run")
    return 0
