"""Language registry: one module per language plus its `grammars/<lang>/` folder.

A language module exposes a module-level `LANGUAGE: LanguageSpec` (and `TESTS` when it can run
tests). Modules are found by scanning this package, so adding a language means adding its module
and its grammar folder; nothing else in the tree changes.
"""

from __future__ import annotations

import importlib
import pkgutil
from functools import cache
from pathlib import PurePath

from counterpoint.languages.spec import LanguageSpec, UnsupportedLanguageError
from counterpoint.languages.testing import TestSupport


@cache
def all_languages() -> tuple[LanguageSpec, ...]:
    found = []
    for module in pkgutil.iter_modules(__path__):
        language = getattr(importlib.import_module(f"{__name__}.{module.name}"), "LANGUAGE", None)
        if isinstance(language, LanguageSpec):
            found.append(language)
    return tuple(sorted(found, key=lambda spec: spec.name))


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


def test_support(spec: LanguageSpec) -> TestSupport | None:
    """The language's test runner, or None when it has none yet."""
    return getattr(importlib.import_module(spec.module), "TESTS", None)


__all__ = [
    "LanguageSpec",
    "UnsupportedLanguageError",
    "all_languages",
    "language_for",
    "test_support",
]
