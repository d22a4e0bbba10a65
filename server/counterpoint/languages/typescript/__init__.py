"""TypeScript: the tree-sitter-typescript grammar wheel, its own queries in queries/ (those it
shares with JavaScript are javascript/queries/), and the node runners of javascript/support.py:
the package's own vitest or jest, or `node --test` with tsx."""

import tree_sitter_typescript

from counterpoint.languages.javascript import NORMALISATION
from counterpoint.languages.javascript.regression import NodeRegression
from counterpoint.languages.javascript.support import NodeTests
from counterpoint.languages.spec import LanguageSpec

LANGUAGE = LanguageSpec(
    name="typescript",
    language_ids=("typescript",),
    extensions=(".ts", ".mts", ".cts"),
    grammar=tree_sitter_typescript.language_typescript(),
    package=__name__,
    queries_from=("counterpoint.languages.javascript",),  # imports, references, tests
    fence="typescript",
    normalisation=NORMALISATION,
)

TESTS = NodeTests(LANGUAGE, typescript=True)
REGRESSION = NodeRegression(LANGUAGE, typescript=True)
