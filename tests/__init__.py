"""The test suite; its folders mirror the stages of the package (ARCHITECTURE.md)."""
