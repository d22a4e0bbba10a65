"""Go: the tree-sitter-go grammar wheel, the queries in queries/, `go test` (support.py)."""

import tree_sitter_go

from counterpoint.languages.go.regression import GoRegression
from counterpoint.languages.go.support import GoTests
from counterpoint.languages.spec import LanguageSpec, Normalisation

LANGUAGE = LanguageSpec(
    name="go",
    language_ids=("go",),
    extensions=(".go",),
    grammar=tree_sitter_go.language(),
    package=__name__,
    fence="go",
    normalisation=Normalisation(
        ignored=("comment",),
        atoms=("interpreted_string_literal", "raw_string_literal", "rune_literal"),
        blocks=("source_file", "statement_list"),
        trailing_commas=("argument_list", "parameter_list", "literal_value", "import_spec_list"),
        identifiers=("identifier",),
        bindings=True,
    ),
)

TESTS = GoTests(LANGUAGE)
REGRESSION = GoRegression(LANGUAGE)
