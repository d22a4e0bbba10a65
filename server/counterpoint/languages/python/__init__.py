"""Python: the tree-sitter-python grammar wheel, the queries in queries/, pytest (support.py)."""

import tree_sitter_python

from counterpoint.languages.python.regression import PythonRegression
from counterpoint.languages.python.support import PythonTests
from counterpoint.languages.spec import LanguageSpec, Normalisation

LANGUAGE = LanguageSpec(
    name="python",
    language_ids=("python",),
    extensions=(".py", ".pyi"),
    grammar=tree_sitter_python.language(),
    package=__name__,
    fence="python",
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
        bindings=True,
    ),
)

TESTS = PythonTests(LANGUAGE)
REGRESSION = PythonRegression(LANGUAGE)
