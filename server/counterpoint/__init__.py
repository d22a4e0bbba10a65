"""Counterpoint: a second opinion from a different model family, backed by execution."""

__version__ = "0.1.0"
