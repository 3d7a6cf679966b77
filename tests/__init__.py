"""kb's test suite: one folder per layer of the code (see tests/conftest.py for the markers)."""
