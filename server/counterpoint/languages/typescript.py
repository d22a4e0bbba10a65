"""TypeScript: the tree-sitter-typescript grammar wheel and the queries in grammars/typescript/.
Tests run under the package's own vitest or jest, or `node --test` with tsx (node_tests.py)."""

import tree_sitter_typescript

from counterpoint.languages.javascript import NORMALISATION
from counterpoint.languages.spec import LanguageSpec

LANGUAGE = LanguageSpec(
    name="typescript",
    language_ids=("typescript",),
    extensions=(".ts", ".mts", ".cts"),
    grammar=tree_sitter_typescript.language_typescript(),
    fence="typescript",
    module=__name__,
    normalisation=NORMALISATION,
)

from counterpoint.languages.node_tests import NodeTests  # noqa: E402

TESTS = NodeTests(LANGUAGE, typescript=True)
