"""Checks: each a small class with a stable id, listed in its stage's registry.

- ``grader.checks.diff.DIFF_CHECKS``: against the provided original (regions, flags, size of change)
- ``grader.checks.static.STATIC_CHECKS``: on the submission's AST, no code is run
- ``grader.checks.runtime.RUNTIME_CHECKS``: on the outcomes of the sandboxed runs

Adding a check adds a module and a line in one registry; the orchestrator does not change. Its id
is a member of :class:`grader.ids.CheckId`, whose table gives its default severity. Every list of
checks is applied by :func:`grader.checks.apply.apply_checks`, which turns a crashing check into a
warning naming it.
"""
