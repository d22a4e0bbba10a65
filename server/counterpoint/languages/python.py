"""Python: the tree-sitter-python grammar wheel and the queries in grammars/python/."""

import tree_sitter_python

from counterpoint.languages.spec import LanguageSpec

LANGUAGE = LanguageSpec(
    name="python",
    language_ids=("python",),
    extensions=(".py", ".pyi"),
    grammar=tree_sitter_python.language(),
    fence="python",
)

from counterpoint.languages.python_tests import PythonTests  # noqa: E402

TESTS = PythonTests(LANGUAGE)
