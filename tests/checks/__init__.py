"""Tests of the ``checks`` stage."""
