"""The provided originals: their regions, flags, test-set names and output format, read from
their code.

See ARCHITECTURE.md for where this stage sits and what it may import.
"""
