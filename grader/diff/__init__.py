"""Aligning a hand-in with its provided original: the provided regions found again, and the churn.

See ARCHITECTURE.md for where this stage sits and what it may import.
"""
