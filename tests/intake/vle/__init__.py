"""Tests of the VLE intake profiles, the roster and the deadlines."""
