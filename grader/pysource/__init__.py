"""Reading Python source: lines and tokens as Python numbers them, constants, qualified names, the name resolver.

See ARCHITECTURE.md for where this stage sits and what it may import.
"""
