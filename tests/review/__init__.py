"""Tests of the ``review`` stage: similarity between hand-ins and readability notes."""
