"""Benchmarks: `python -m bench NAME [--json] [--save] [options]`. They print ratios measured in
one run; they are not tests and assert nothing about wall-clock time."""
