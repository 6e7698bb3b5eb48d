"""Reading Python source: lines and tokens as Python numbers them, constants, qualified names, the
name resolver, and the one walk of a tree that the static checks share (``scan``).

See ARCHITECTURE.md for where this stage sits and what it may import.
"""
