"""Benchmarks (README.md): scripts that print figures, importable as ``bench.*``."""
