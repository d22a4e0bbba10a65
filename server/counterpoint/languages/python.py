"""Python: the tree-sitter-python grammar wheel and the queries in grammars/python/."""

import tree_sitter_python

from counterpoint.languages.spec import LanguageSpec, Normalisation

LANGUAGE = LanguageSpec(
    name="python",
    language_ids=("python",),
    extensions=(".py", ".pyi"),
    grammar=tree_sitter_python.language(),
    fence="python",
    module=__name__,
    normalisation=Normalisation(
        ignored=("comment", "line_continuation", ";"),
        string_delimiters=("string_start", "string_end"),
        atoms=("string_content",),
        blocks=("module", "block"),
        trailing_commas=(
            "argument_list",
            "parameters",
            "list",
            "set",
            "dictionary",
            "import_from_statement",
        ),
        identifiers=("identifier",),
        bindings="bindings",
    ),
)

from counterpoint.languages.python_tests import PythonTests  # noqa: E402

TESTS = PythonTests(LANGUAGE)
