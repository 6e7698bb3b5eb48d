"""Exits with status 3 after printing."""

import sys

print("exiting")
sys.exit(3)
