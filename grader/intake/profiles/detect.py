"""Which profile reads a download: forced by ``--from``, or told from the names it holds.

A profile is taken when at least half of the download's entries carry its naming (a stray
``README`` or ``__MACOSX`` beside them does not hide a Moodle download, and one student folder
that happens to look like a Canvas name does not turn a class of folders into Canvas).
Blackboard's names are the most specific, then Moodle's, then Canvas's.
"""

from __future__ import annotations

from collections.abc import Callable

from grader.intake.profiles import blackboard, canvas, moodle

#: what ``--from`` accepts
SOURCES = ("auto", "moodle", "canvas", "blackboard", "folders", "git")
#: the VLE profiles in the order they are tried
VLE_PROFILES: tuple[tuple[str, Callable[[str], bool]], ...] = (
    (blackboard.NAME, blackboard.recognises),
    (moodle.NAME, moodle.recognises),
    (canvas.NAME, canvas.recognises),
)
MIN_SHARE = 0.5


def detect(names: list[str]) -> str | None:
    """The VLE profile whose naming most of ``names`` (a download's entries) carry (None:
    folders or git)."""
    for profile, recognises in VLE_PROFILES:
        if names and sum(map(recognises, names)) / len(names) >= MIN_SHARE:
            return profile
    return None
