"""Language registry: one module per language plus its `grammars/<lang>/` folder.

A language module exposes a module-level `LANGUAGE: LanguageSpec`. Adding a language means adding
its module name to `_MODULES`; nothing else in the tree changes.
"""

from __future__ import annotations

import importlib
from functools import cache
from pathlib import PurePath

from counterpoint.languages.spec import LanguageSpec, UnsupportedLanguageError
from counterpoint.languages.testing import TestSupport

_MODULES = ("python",)


@cache
def all_languages() -> tuple[LanguageSpec, ...]:
    return tuple(
        importlib.import_module(f"counterpoint.languages.{name}").LANGUAGE for name in _MODULES
    )


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
    return getattr(importlib.import_module(f"counterpoint.languages.{spec.name}"), "TESTS", None)


__all__ = [
    "LanguageSpec",
    "UnsupportedLanguageError",
    "all_languages",
    "language_for",
    "test_support",
]
