"""Prints, for each path, whether this run can see it (the grader's own files, from inside)."""

import os

PATHS: list[str] = []
for path in PATHS:
    print("seen" if os.path.exists(path) else "hidden", path)
