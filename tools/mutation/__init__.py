"""Mutation testing of the gate modules, each against the tests that exercise it (see run.py)."""
