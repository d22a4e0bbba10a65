"""JavaScript: the tree-sitter-javascript grammar wheel and the queries in grammars/javascript/."""

import tree_sitter_javascript

from counterpoint.languages.spec import LanguageSpec, Normalisation

NORMALISATION = Normalisation(
    ignored=("comment", ";"),
    string_delimiters=('"', "'"),
    atoms=("string_fragment",),
    blocks=("program", "statement_block", "class_body"),
    trailing_commas=("arguments", "formal_parameters", "array", "object"),
    identifiers=("identifier",),
    bindings="bindings",
)

LANGUAGE = LanguageSpec(
    name="javascript",
    language_ids=("javascript", "javascriptreact"),
    extensions=(".js", ".mjs", ".cjs", ".jsx"),
    grammar=tree_sitter_javascript.language(),
    fence="javascript",
    module=__name__,
    normalisation=NORMALISATION,
)

from counterpoint.languages.node_tests import NodeTests  # noqa: E402

TESTS = NodeTests(LANGUAGE)
