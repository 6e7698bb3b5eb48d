"""Tests of the ``run`` stage."""
