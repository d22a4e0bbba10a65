"""Rust: the tree-sitter-rust grammar wheel, the queries in queries/, `cargo test` (support.py)."""

import tree_sitter_rust

from counterpoint.languages.rust.regression import RustRegression
from counterpoint.languages.rust.support import CargoTests
from counterpoint.languages.spec import LanguageSpec, Normalisation

LANGUAGE = LanguageSpec(
    name="rust",
    language_ids=("rust",),
    extensions=(".rs",),
    grammar=tree_sitter_rust.language(),
    package=__name__,
    fence="rust",
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
        bindings=True,
    ),
)

TESTS = CargoTests(LANGUAGE)
REGRESSION = RustRegression(LANGUAGE)
