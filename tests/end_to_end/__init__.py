"""End-to-end tests: the example class, the reference materials, the installed wheel."""
