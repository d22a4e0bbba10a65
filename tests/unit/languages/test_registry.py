"""A language is one folder: the registry finds it, its queries load from it, and a new folder
is all a new language needs."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

from counterpoint.languages import all_languages, language_for
from counterpoint.languages import test_support as support_of

PACKAGE = Path(__file__).parents[3] / "server" / "counterpoint"

TOY = '''\
"""A toy language, to show that a folder is all a language needs."""

import tree_sitter_python

from counterpoint.languages.spec import LanguageSpec

# Its name, language ids, extensions and grammar; its package, where its queries are found
# (it has none of its own: it borrows Python's); and no TESTS, so it runs no tests.
LANGUAGE = LanguageSpec("toy", ("toy",), (".toy",), tree_sitter_python.language(), __name__,
                        queries_from=("counterpoint.languages.python",))
'''

PROBE = """
import json
from counterpoint.core.context import build_context
from counterpoint.languages import language_for, test_support
from counterpoint.model.request import CrossCheckRequest, Position, Range

toy = language_for(path="lib.toy")
text = "import os\\n\\ndef f(x):\\n    return os.sep + x\\n"
request = CrossCheckRequest("file:///w/lib.toy", text, "toy", Range(Position(3, 4), Position(3, 4)))
context = build_context(request, toy)
print(json.dumps([toy.name, context.imports, context.symbols, test_support(toy) is None]))
"""


def test_every_language_folder_is_found_with_its_queries():
    folders = {p.parent.name for p in (PACKAGE / "languages").glob("*/__init__.py")}
    assert {spec.name for spec in all_languages()} == folders
    for spec in all_languages():
        assert spec.package == f"counterpoint.languages.{spec.name}"
        queries = spec.queries  # the four required ones load, or this raises
        assert queries.definitions and queries.imports and queries.references and queries.tests
        assert support_of(spec) is not None


def test_typescript_shares_the_queries_javascript_has_for_it():
    typescript = language_for("typescript")
    own = {p.stem for p in (PACKAGE / "languages" / "typescript" / "queries").glob("*.scm")}
    assert own == {"definitions", "bindings"}
    assert typescript.queries.tests is not None and typescript.queries.imports is not None


def test_a_new_language_is_one_new_folder(tmp_path):
    shutil.copytree(
        PACKAGE, tmp_path / "counterpoint", ignore=shutil.ignore_patterns("__pycache__")
    )
    toy = tmp_path / "counterpoint" / "languages" / "toy"
    toy.mkdir()
    (toy / "__init__.py").write_text(TOY)
    found = subprocess.run(
        [sys.executable, "-c", PROBE],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env={"PYTHONPATH": str(tmp_path), "PATH": "/usr/bin:/bin"},
        timeout=120,
    )
    assert found.returncode == 0, found.stderr
    assert json.loads(found.stdout) == ["toy", "import os", ["f"], True]
