"""Benchmarks: `python -m bench NAME [--json]`. They print ratios measured in one run; they are
not tests and assert nothing about wall-clock time."""
