"""Language registry: one package per language, found by scanning this one.

A language's package (`languages/<name>/`) defines `LANGUAGE: LanguageSpec` in its
`__init__.py`, `TESTS: TestSupport` when it can run tests and `REGRESSION: RegressionWriter`
when it can write the user's expectations as tests; its queries and scripts are files
in that folder. Adding a language means adding its folder (and its grammar wheel to
pyproject.toml); nothing else in the tree changes. See CONTRIBUTING.md.
"""

from __future__ import annotations

import importlib
import pkgutil
from functools import cache
from pathlib import PurePath
from types import ModuleType
from typing import Any

from counterpoint.languages.spec import LanguageSpec, UnsupportedLanguageError
from counterpoint.languages.testing import RegressionWriter, TestSupport


@cache
def _packages() -> dict[str, ModuleType]:
    """Each language's package by the language's name."""
    found = {}
    for entry in pkgutil.iter_modules(__path__):
        if entry.ispkg:
            package = importlib.import_module(f"{__name__}.{entry.name}")
            language = getattr(package, "LANGUAGE", None)
            if isinstance(language, LanguageSpec):
                found[language.name] = package
    return dict(sorted(found.items()))


def all_languages() -> tuple[LanguageSpec, ...]:
    return tuple(package.LANGUAGE for package in _packages().values())


def language_for(language_id: str | None = None, path: str | None = None) -> LanguageSpec:
    """Find a language by LSP language id, falling back to the file extension."""
    for spec in all_languages():
        if language_id and language_id in spec.language_ids:
            return spec
    if path:
        suffix = PurePath(path).suffix
        for spec in all_languages():
            if suffix in spec.extensions:
                return spec
    supported = ", ".join(spec.name for spec in all_languages())
    shown = language_id or (PurePath(path).suffix if path else "unknown")
    raise UnsupportedLanguageError(f"unsupported language {shown!r}; supported: {supported}")


def test_support(spec: LanguageSpec) -> TestSupport[Any] | None:
    """The language's test runner, or None when it has none yet."""
    package = _packages().get(spec.name)
    return getattr(package, "TESTS", None)


def regression_writer(spec: LanguageSpec) -> RegressionWriter | None:
    """How the language writes the user's expectations as tests, or None when it cannot."""
    package = _packages().get(spec.name)
    return getattr(package, "REGRESSION", None)


__all__ = [
    "LanguageSpec",
    "UnsupportedLanguageError",
    "all_languages",
    "language_for",
    "regression_writer",
    "test_support",
]
