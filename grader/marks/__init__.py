"""The marks stage: verdicts become marks under the assignment's ``[marking]`` scheme, with the
uncertainty of each mean error and the instructor's overrides (``overrides.toml``).

Pure but for reading ``overrides.toml``; it runs when outputs are rendered, after the judge and
before the report, and never writes to the store.
"""

from grader.marks.compute import ClassMarks, mark_class, mark_student, mark_task
from grader.marks.model import (
    Adjustment,
    AppliedOverride,
    Interval,
    Override,
    StudentMarks,
    TaskMark,
)
from grader.marks.overrides import OVERRIDES_NAME, OverrideError, read_overrides

__all__ = [
    "OVERRIDES_NAME", "Adjustment", "AppliedOverride", "ClassMarks", "Interval", "Override",
    "OverrideError", "StudentMarks", "TaskMark", "mark_class", "mark_student", "mark_task",
    "read_overrides",
]
