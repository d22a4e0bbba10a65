"""A file's lines or named definition as a request, as `check` and the MCP tools read them."""

from __future__ import annotations

import pytest

from counterpoint.engine.documents import file_target, symbol_lines
from counterpoint.languages import UnsupportedLanguageError
from counterpoint.model.request import RequestError

SOURCE = """\
def total(xs):
    return sum(xs)


class Cart:
    def total(self):
        return 0

    def add(self, item):
        self.items.append(item)
"""


def test_a_symbol_is_its_definitions_lines():
    assert symbol_lines("add", SOURCE, "python") == (8, 9)
    assert symbol_lines("Cart", SOURCE, "python") == (4, 9)


def test_a_dotted_symbol_names_the_definition_inside_another():
    assert symbol_lines("Cart.total", SOURCE, "python") == (5, 6)


def test_an_ambiguous_or_unknown_symbol_is_refused_with_its_lines():
    with pytest.raises(RequestError, match=r"'total' is defined 2 times \(lines 1-2, 6-7\)"):
        symbol_lines("total", SOURCE, "python")
    with pytest.raises(RequestError, match=r"no definition named 'Basket\.total'"):
        symbol_lines("Basket.total", SOURCE, "python")


def test_a_file_target_reads_the_file_and_finds_its_root(tmp_path):
    (tmp_path / "pyproject.toml").write_text("")
    (tmp_path / "pkg").mkdir()
    path = tmp_path / "pkg" / "cart.py"
    path.write_text(SOURCE)
    target = file_target(path, symbol="Cart.add")
    assert (target.root, target.language, target.first, target.last) == (
        tmp_path,
        "python",
        8,
        9,
    )
    request = target.request("fix it", ("Cart().total() == 0",))
    assert request.selection.start.line == 8 and request.selection.end.line == 10
    assert request.expectations == ("Cart().total() == 0",)
    assert request.uri == path.resolve().as_uri()


def test_a_file_target_refuses_in_checks_order(tmp_path):
    (tmp_path / ".env").write_text("A=1\n")
    (tmp_path / "notes.txt").write_text("a\n")
    with pytest.raises(RequestError, match="never sent to a model"):  # private before language
        file_target(tmp_path / ".env", lines="1")
    with pytest.raises(RequestError, match=r"lines 3-4 is out of range: the file has 1 lines"):
        file_target(tmp_path / "notes.txt", lines="3-4", lines_option="lines")
    with pytest.raises(UnsupportedLanguageError):
        file_target(tmp_path / "notes.txt", lines="1")
    with pytest.raises(RequestError, match="give --lines START-END or a symbol name"):
        file_target(tmp_path / "notes.txt")
