"""The store: static results and run outcomes in SQLite, keyed by content hash and run conditions.

See ARCHITECTURE.md for where this stage sits and what it may import.
"""
