"""Exits the way the provided code does when the student regions are unfinished."""

import sys

sys.exit("task1.py is not finished: build and train a CNN in the regions marked YOUR CODE.")
