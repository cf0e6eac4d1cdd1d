"""Benchmarks of kg (run as modules: `python -m benchmarks.extract_bench`)."""
