"""Tests of the ``harness`` stage."""
