"""Runs: planning what is missing, the flags rewrite, one run in its sandbox, and the executors.

See ARCHITECTURE.md for where this stage sits and what it may import.
"""
