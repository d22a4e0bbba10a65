"""What a language contributes: its grammar, its queries and how to compare its code.

A language is a package `counterpoint/languages/<name>/` whose `__init__.py` defines `LANGUAGE`
(a `LanguageSpec`) and, when it can run tests, `TESTS` (a `testing.TestSupport`). Its files sit
in that folder, found through importlib.resources so that a wheel carries them:
- `queries/<role>.scm`, one tree-sitter query per field of `Queries` (or another language's,
  named in `queries_from`);
- `scripts/…`, programs written into test runs (see `script`).
"""

from __future__ import annotations

from dataclasses import MISSING, dataclass, field, fields
from functools import cached_property
from importlib import resources

import tree_sitter


class UnsupportedLanguageError(ValueError):
    """The document's language has no grammar here."""


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
    bindings: bool = False  # compare locals by position, as the `bindings` query marks them


@dataclass(frozen=True)
class Queries:
    """A language's tree-sitter queries, each in `queries/<field name>.scm` of its folder. The
    first four are required; a language without one of the others has None there."""

    definitions: tree_sitter.Query  # @definition.<kind> (function, class…) with @name, @body
    imports: tree_sitter.Query  # @import: each import statement, sent as context
    references: tree_sitter.Query  # every capture: a name the code uses
    tests: tree_sitter.Query  # test functions, with the captures the language's support reads
    bindings: tree_sitter.Query | None = None  # @scope, @scope.keep, @binding, @member… (locals)
    constants: tree_sitter.Query | None = None  # @constant, with @name: module-level values
    docstrings: tree_sitter.Query | None = None  # @docstring, shown with a definition's signature

    @classmethod
    def load(cls, spec: LanguageSpec) -> Queries:
        """Each role's file from the language's own queries/, else from the first package of
        `spec.queries_from` that has it."""
        folders = [resources.files(package) / "queries" for package in spec.query_packages]
        found: dict[str, tree_sitter.Query] = {}
        for role in fields(cls):
            for folder in folders:
                path = folder / f"{role.name}.scm"
                if path.is_file():
                    source = path.read_text("utf-8")
                    found[role.name] = tree_sitter.Query(spec.ts_language, source)
                    break
            if role.name not in found and role.default is MISSING:
                raise FileNotFoundError(f"{spec.name} has no queries/{role.name}.scm")
        return cls(**found)


@dataclass(frozen=True)
class LanguageSpec:
    name: str
    language_ids: tuple[str, ...]
    extensions: tuple[str, ...]
    grammar: object = field(repr=False)  # the PyCapsule from the grammar wheel's language()
    package: str = ""  # the language's package (its `__name__`): where its queries are
    # Packages whose queries this language shares where it has no file of its own (TypeScript's
    # grammar extends JavaScript's): searched in order after its own.
    queries_from: tuple[str, ...] = ()
    fence: str = ""  # the markdown fence tag used in prompts and hovers
    normalisation: Normalisation = Normalisation()  # for comparing proposals

    @cached_property
    def ts_language(self) -> tree_sitter.Language:
        return tree_sitter.Language(self.grammar)

    @property
    def query_packages(self) -> tuple[str, ...]:
        return (self.package, *self.queries_from)

    @cached_property
    def queries(self) -> Queries:
        return Queries.load(self)

    def parser(self) -> tree_sitter.Parser:
        return tree_sitter.Parser(self.ts_language)

    def parse(self, source: str) -> tree_sitter.Tree:
        return self.parser().parse(source.encode("utf-8"))

    def references_in(self, root: tree_sitter.Node, node: tree_sitter.Node) -> set[str]:
        """The names used inside `node` (a node of the tree whose root is `root`)."""
        cursor = tree_sitter.QueryCursor(self.queries.references)
        cursor.set_byte_range(node.start_byte, node.end_byte)
        return {text(found) for nodes in cursor.captures(root).values() for found in nodes}


def text(node: tree_sitter.Node) -> str:
    return node.text.decode("utf-8", "replace") if node.text else ""


def script(package: str, name: str) -> str:
    """A program that runs inside test runs, kept as a real file in the package's `scripts/`
    (so linters and `node --check` see it) and read when a run is planned."""
    return (resources.files(package) / "scripts" / name).read_text("utf-8")


HEADER = "-- per-run header"
HEADER_END = "-- end of the per-run header --"


def with_header(program: str, header: str) -> str:
    """A script whose lines from the one holding HEADER to the one holding HEADER_END stand in
    for what each run sets (the calls to make, how to load the code): those lines replaced by
    `header`."""
    lines = program.splitlines(keepends=True)
    start = next(i for i, line in enumerate(lines) if HEADER in line)
    end = next(i for i, line in enumerate(lines) if HEADER_END in line)
    return "".join([*lines[:start], header, *lines[end + 1 :]])
