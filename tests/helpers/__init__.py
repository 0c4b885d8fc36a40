"""Helpers shared by the tests: an independent oracle, SIREN numbers, real servers."""
