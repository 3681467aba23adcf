"""API fixtures live in tests/conftest.py, shared with the services tests."""
