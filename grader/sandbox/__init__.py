"""The boundary around a student's run: isolation, limits, cgroups and the supervision of the child.

See ARCHITECTURE.md for where this stage sits and what it may import.
"""
