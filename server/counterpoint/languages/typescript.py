"""TypeScript: context, comparison and review through tree-sitter-typescript. Its tests are not
run yet: node cannot run TypeScript on its own, and a project's vitest/jest is not used yet."""

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
