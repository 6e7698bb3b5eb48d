"""Judging a task: parse each run's stdout, summarise the runs, apply the runtime checks, decide
the verdict.

See ARCHITECTURE.md for where this stage sits and what it may import.
"""
