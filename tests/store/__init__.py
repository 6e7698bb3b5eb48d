"""Tests of the ``store`` stage."""
