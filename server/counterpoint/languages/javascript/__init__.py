"""JavaScript: the tree-sitter-javascript grammar wheel, the queries in queries/, and the
package's own test runner under node (support.py; TypeScript shares it)."""

import tree_sitter_javascript

from counterpoint.languages.javascript.regression import NodeRegression
from counterpoint.languages.javascript.support import NodeTests
from counterpoint.languages.spec import LanguageSpec, Normalisation

NORMALISATION = Normalisation(
    ignored=("comment", ";"),
    string_delimiters=('"', "'"),
    atoms=("string_fragment",),
    blocks=("program", "statement_block", "class_body"),
    trailing_commas=("arguments", "formal_parameters", "array", "object"),
    identifiers=("identifier",),
    bindings=True,
)

LANGUAGE = LanguageSpec(
    name="javascript",
    language_ids=("javascript", "javascriptreact"),
    extensions=(".js", ".mjs", ".cjs", ".jsx"),
    grammar=tree_sitter_javascript.language(),
    package=__name__,
    fence="javascript",
    normalisation=NORMALISATION,
)

TESTS = NodeTests(LANGUAGE)
REGRESSION = NodeRegression(LANGUAGE)
