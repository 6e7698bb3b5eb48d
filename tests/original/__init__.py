"""Tests of the ``original`` stage."""
