"""Go: the tree-sitter-go grammar wheel and the queries in grammars/go/."""

import tree_sitter_go

from counterpoint.languages.spec import LanguageSpec, Normalisation

LANGUAGE = LanguageSpec(
    name="go",
    language_ids=("go",),
    extensions=(".go",),
    grammar=tree_sitter_go.language(),
    fence="go",
    module=__name__,
    normalisation=Normalisation(
        ignored=("comment",),
        atoms=("interpreted_string_literal", "raw_string_literal", "rune_literal"),
        blocks=("source_file", "statement_list"),
        trailing_commas=("argument_list", "parameter_list", "literal_value", "import_spec_list"),
        identifiers=("identifier",),
        bindings="bindings",
    ),
)

from counterpoint.languages.go_tests import GoTests  # noqa: E402

TESTS = GoTests(LANGUAGE)
