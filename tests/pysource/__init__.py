"""Tests of the ``pysource`` stage."""
