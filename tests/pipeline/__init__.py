"""Tests of the ``pipeline`` stage."""
