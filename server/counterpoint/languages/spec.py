"""What a language contributes: its grammar, its queries and how to describe a definition."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from importlib import resources
from pathlib import Path

import tree_sitter


class UnsupportedLanguageError(ValueError):
    """The document's language has no grammar here."""


def grammars_dir() -> Path:
    """The `grammars/` folder: package data in a wheel, the repository folder in a checkout."""
    packaged = Path(str(resources.files("counterpoint"))) / "grammars"
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parents[3] / "grammars"


@dataclass(frozen=True)
class Normalisation:
    """Node types core/compare.py uses to compare code modulo formatting (see that module)."""

    ignored: tuple[str, ...] = ()  # dropped: comments, line continuations, statement separators
    string_delimiters: tuple[str, ...] = ()  # their quote characters are made alike
    quotes: str = "'\""
    atoms: tuple[str, ...] = ()  # compared by their whole text (string contents)
    blocks: tuple[str, ...] = ()  # each child is a statement; none: one statement per line
    trailing_commas: tuple[str, ...] = ()  # a "," before their closing bracket is dropped
    identifiers: tuple[str, ...] = ()  # names the `bindings` query can mark as locals
    bindings: str = ""  # query (grammars/<lang>/<name>.scm) of scopes and bound names; "": none


@dataclass(frozen=True)
class LanguageSpec:
    name: str
    language_ids: tuple[str, ...]
    extensions: tuple[str, ...]
    grammar: object = field(repr=False)  # the PyCapsule from the grammar wheel's language()
    fence: str = ""  # the markdown fence tag used in prompts and hovers
    module: str = ""  # the module defining it (set by the registry's caller: __name__)
    normalisation: Normalisation = Normalisation()  # for comparing proposals

    @cached_property
    def ts_language(self) -> tree_sitter.Language:
        return tree_sitter.Language(self.grammar)

    def parser(self) -> tree_sitter.Parser:
        return tree_sitter.Parser(self.ts_language)

    def query(self, name: str) -> tree_sitter.Query:
        return _load_query(self, name)

    def has_query(self, name: str) -> bool:
        return (grammars_dir() / self.name / f"{name}.scm").exists()


_QUERIES: dict[tuple[str, str], tree_sitter.Query] = {}


def _load_query(spec: LanguageSpec, name: str) -> tree_sitter.Query:
    key = (spec.name, name)
    if key not in _QUERIES:
        source = (grammars_dir() / spec.name / f"{name}.scm").read_text(encoding="utf-8")
        _QUERIES[key] = tree_sitter.Query(spec.ts_language, source)
    return _QUERIES[key]
