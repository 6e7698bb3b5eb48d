"""The in-child harness: the only grader code inside the student's process (standard library only).

The entry script is ``__main__.py``; it loads the modules beside it as a private package, not
as ``grader.harness.child`` (the grader is not importable in the sandbox). The parent side
imports only ``protocol`` from here. See ``__main__.py`` for how a run goes.
"""
