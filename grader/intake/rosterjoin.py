"""Joining the hand-ins to the roster: who is matched, who handed in nothing, who matches nobody,
and what is doubled.

A hand-in is matched on the VLE's identifier its download carries (a folder of the student's
own is matched on its name); a roster without identifiers (Moodle's participants export) is
matched on the full name, and a name two students share is reported instead of guessed. A matched
hand-in takes the roster's identifier as its id and the roster's spelling of the name; a roster
that knows the submission time (Moodle's grading worksheet) gives the time too. A student on the
roster without a hand-in is added with no files, so every task of theirs is graded ``missing``.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, replace

from grader.intake.roster import Roster, Student, name_key
from grader.records import HandIn, Submission

#: the source of a roster student who handed in nothing
NO_HAND_IN = "(on the roster; nothing handed in)"


@dataclass(frozen=True)
class RosterReport:
    kind: str
    matched: tuple[tuple[str, str], ...]  # (id, name)
    without_hand_in: tuple[tuple[str, str], ...]  # graded as missing
    unmatched: tuple[tuple[str, str], ...]  # (id, where): hand-ins matching nobody
    duplicates: tuple[str, ...]  # what was doubled, one line each


def _hand_in_key(submission: Submission, roster: Roster) -> str:
    if roster.by_name:
        return name_key(submission.hand_in.name or submission.id)
    return submission.hand_in.vle_id or submission.id


def join_roster(submissions: Sequence[Submission], roster: Roster
                ) -> tuple[list[Submission], RosterReport]:
    keys = Counter(s.key for s in roster.students)
    shown = {s.key: s.name for s in roster.students}
    doubled = [f"{shown[key] if roster.by_name else key}: {keys[key]} students on the roster "
               f"share this {'name' if roster.by_name else 'identifier'}; their hand-ins are not "
               "matched" for key in sorted(k for k, n in keys.items() if n > 1)]
    students = {s.key: s for s in roster.students if keys[s.key] == 1}
    claims: dict[str, list[Submission]] = defaultdict(list)
    out: list[Submission] = []
    unmatched: list[tuple[str, str]] = []
    for submission in submissions:
        key = _hand_in_key(submission, roster)
        if key in students:
            claims[key].append(submission)
        else:
            unmatched.append((submission.id, submission.source))
            out.append(submission)
    matched: list[tuple[str, str]] = []
    for key, claimed in sorted(claims.items()):
        student = students[key]
        if len(claimed) > 1:
            doubled.append(f"{key} ({student.name}): {len(claimed)} hand-ins "
                           f"({', '.join(s.source for s in claimed)}); each is graded")
        for submission in claimed:
            out.append(_matched(submission, student, roster))
            matched.append((out[-1].id, student.name))
    missing = [s for key, s in sorted(students.items()) if key not in claims]
    for student in missing:
        ident = student.name if roster.by_name else student.key
        out.append(Submission(id=ident, source=NO_HAND_IN, files={},
                              hand_in=HandIn(name=student.name, vle_id=student.key)))
    report = RosterReport(roster.kind, tuple(matched),
                          tuple((s.name if roster.by_name else s.key, s.name) for s in missing),
                          tuple(unmatched), tuple(doubled))
    return out, report


def _matched(submission: Submission, student: Student, roster: Roster) -> Submission:
    hand_in = replace(submission.hand_in, name=student.name,
                      vle_id=submission.hand_in.vle_id or student.key)
    if student.submitted_at is not None:
        hand_in = replace(hand_in, submitted_at=student.submitted_at.isoformat(timespec="seconds"),
                          time_source=roster.time_source)
    new_id = submission.id if roster.by_name else student.key
    return replace(submission, id=new_id, hand_in=hand_in)
