"""Which task a renamed file is: ``Task1.py``, ``task1 (1).py``, ``task1-2.py``, ``task1.py.txt``.

Students rename files without meaning to: a browser adds `` (1)`` to a second download, Canvas
adds ``-1`` to a resubmitted file, a mail client or editor adds ``.txt``, a keyboard capitalises.
Such a file is still the student's task file: it is matched to its task with a warning naming it,
so that it is neither silently accepted nor graded as ``missing``. The rules are deliberately
narrow (the task's own stem, give or take case and one copy counter), so ``task12.py`` or
``task1_old.py`` are not taken for ``task1.py``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

#: a copy counter a browser, a file manager or a VLE appends to a stem: " (1)", "(2)", "-1", "_2"
_COUNTER = re.compile(r"(?:\s*\(\d+\)|[-_ ]\d+)$")
#: what an editor or mail client appends to a Python file's name
_ADDED_SUFFIXES = (".txt",)


def renamed_task(name: str, task_files: Mapping[str, str]) -> str | None:
    """The task id whose file ``name`` is a renamed copy of (None when it is none, or the exact
    name: exact names are matched by the caller). ``task_files`` maps file name to task id."""
    if name in task_files:
        return None
    lowered = name.lower()
    for suffix in _ADDED_SUFFIXES:
        if lowered.endswith(".py" + suffix):
            lowered = lowered[: -len(suffix)]
    if not lowered.endswith(".py"):
        return None
    stem = lowered[: -len(".py")].strip()
    candidates = {stem, _COUNTER.sub("", stem).strip()}
    for file, task_id in task_files.items():
        if file.lower().removesuffix(".py") in candidates:
            return task_id
    return None
