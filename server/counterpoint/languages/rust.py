"""Rust: the tree-sitter-rust grammar wheel and the queries in grammars/rust/."""

import tree_sitter_rust

from counterpoint.languages.spec import LanguageSpec, Normalisation

LANGUAGE = LanguageSpec(
    name="rust",
    language_ids=("rust",),
    extensions=(".rs",),
    grammar=tree_sitter_rust.language(),
    fence="rust",
    module=__name__,
    normalisation=Normalisation(
        ignored=("line_comment", "block_comment"),
        atoms=("string_literal", "raw_string_literal", "char_literal"),
        blocks=("source_file", "block", "declaration_list", "match_block"),
        trailing_commas=(
            "arguments",
            "parameters",
            "array_expression",
            "field_initializer_list",
            "use_list",
            "type_arguments",
        ),
        identifiers=("identifier",),
        bindings="bindings",
    ),
)

from counterpoint.languages.rust_tests import CargoTests  # noqa: E402

TESTS = CargoTests(LANGUAGE)
