"""Intake: paths, folders, archives and git repositories become ``Submission`` records.

See ARCHITECTURE.md for where this stage sits and what it may import.
"""
