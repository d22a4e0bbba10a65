from textwrap import dedent

import pytest

from counterpoint.core.context import build_context, definition_lines, encloses
from counterpoint.languages import language_for
from counterpoint.model.request import (
    MAX_DOCUMENT_CHARS,
    MAX_EXPECTATION_CHARS,
    MAX_EXPECTATIONS,
    MAX_SELECTION_CHARS,
    CrossCheckRequest,
    Position,
    Range,
    RequestError,
)

PYTHON = language_for("python")

SOURCE = dedent(
    '''\
    import math
    from collections import deque as Deque


    def helper(values: list[int], width: int) -> int:
        """Sum a window of values."""
        return sum(values[:width])


    def unused(x):
        return x


    class Stats:
        """Running statistics."""

        def mean(self, values):
            return helper(values, len(values)) / len(values)

        def spread(self, values):
            centre = self.mean(values)
            return math.sqrt(sum((v - centre) ** 2 for v in values))
    '''
)


def request(selection: Range, text: str = SOURCE) -> CrossCheckRequest:
    return CrossCheckRequest("file:///w/stats.py", text, "python", selection)


def test_empty_selection_takes_the_enclosing_definition():
    context = build_context(request(Range(Position(20, 8), Position(20, 8))), PYTHON)
    assert context.target_code.startswith("    def spread(self, values):")
    assert context.target_range == Range.of_lines(19, 21)
    assert context.enclosing == "class Stats (lines 14-22)"


def test_selection_is_widened_to_whole_lines():
    context = build_context(request(Range(Position(16, 10), Position(17, 5))), PYTHON)
    assert context.target_code == (
        "    def mean(self, values):\n        return helper(values, len(values)) / len(values)\n"
    )


def test_context_has_imports_and_signatures_of_used_names_only():
    context = build_context(request(Range.of_lines(16, 17)), PYTHON)
    assert "import math" in context.imports and "Deque" in context.imports
    joined = "\n".join(context.signatures)
    assert "def helper(values: list[int], width: int) -> int:" in joined
    assert '"""Sum a window of values."""' in joined
    assert "return sum" not in joined  # signatures, not bodies
    assert "unused" not in joined


def test_module_constants_the_target_reads_are_in_the_context():
    text = (
        "LIMIT = 10\nUNUSED = 3\nTABLE = {\n    'a': 1,\n}\n\n\n"
        "def clip(x):\n    return min(x, LIMIT) + TABLE['a']\n"
    )
    context = build_context(request(Range.of_lines(7, 8), text), PYTHON)
    assert "LIMIT = 10" in context.signatures
    assert "TABLE = { …" in context.signatures  # first line only
    assert not any("UNUSED" in s for s in context.signatures)


def test_whole_file_is_not_sent_and_context_is_bounded():
    big = SOURCE + "".join(f"\ndef filler_{i}(a):\n    return helper(a, {i})\n" for i in range(400))
    selection = Range.of_lines(len(big.splitlines()) - 2, len(big.splitlines()) - 1)
    context = build_context(request(selection, big), PYTHON, max_chars=500)
    sent = context.imports + (context.enclosing_code or "") + "".join(context.signatures)
    assert len(sent) <= 600
    assert "filler_3" not in sent


def test_context_budget_marks_truncation():
    context = build_context(request(Range.of_lines(16, 17)), PYTHON, max_chars=20)
    assert context.truncated


def test_selection_past_the_end_is_a_clear_error():
    with pytest.raises(RequestError, match="document has 23 lines"):
        build_context(request(Range.of_lines(40, 41)), PYTHON)


def test_cursor_outside_any_definition_asks_for_a_selection():
    with pytest.raises(RequestError, match="select the code"):
        build_context(request(Range(Position(0, 0), Position(0, 0))), PYTHON)


def test_blank_selection_is_refused():
    with pytest.raises(RequestError, match="blank"):
        build_context(request(Range.of_lines(2, 3)), PYTHON)


def test_non_ascii_text_keeps_code_point_columns():
    text = 'def greet():\n    return "héllo 😀"\n'
    context = build_context(request(Range(Position(1, 12), Position(1, 12)), text), PYTHON)
    assert context.target_code == text


def test_a_document_over_the_limit_is_refused_before_it_is_parsed(monkeypatch):
    language = language_for("python")
    monkeypatch.setattr(type(language), "parser", lambda self: pytest.fail("parsed"))
    text = "x = 1\n" * (MAX_DOCUMENT_CHARS // 6 + 1)
    request = CrossCheckRequest("file:///big.py", text, "python", Range.of_lines(0, 1))
    with pytest.raises(RequestError, match=f"at most {MAX_DOCUMENT_CHARS:,} characters"):
        build_context(request, language)


def test_too_many_or_too_long_expectations_are_refused_before_the_document_is_parsed(
    monkeypatch,
):
    """An agent passes expectations on from what it read: they become one staged test file,
    so neither their number nor their length may grow without end."""
    language = language_for("python")
    monkeypatch.setattr(type(language), "parser", lambda self: pytest.fail("parsed"))
    many = ("helper([1], 1) == 1",) * (MAX_EXPECTATIONS + 1)
    long = ("helper([1], 1) == " + "1 + " * (MAX_EXPECTATION_CHARS // 4) + "0",)
    for expectations, said in ((many, "expectations were given"), (long, "characters")):
        asked = CrossCheckRequest(
            "file:///w/stats.py", SOURCE, "python", Range.of_lines(4, 6), "", None, expectations
        )
        with pytest.raises(RequestError, match=said):
            build_context(asked, language)


def test_a_selection_over_the_limit_is_refused_before_the_document_is_parsed(monkeypatch):
    language = language_for("python")
    monkeypatch.setattr(type(language), "parser", lambda self: pytest.fail("parsed"))
    lines = MAX_SELECTION_CHARS // 6 + 1
    text = "x = 1\n" * (lines + 10)
    request = CrossCheckRequest("file:///big.py", text, "python", Range.of_lines(5, 5 + lines))
    with pytest.raises(RequestError, match=f"the limit is {MAX_SELECTION_CHARS:,}"):
        build_context(request, language)


def test_definition_lines_say_where_a_cursor_is_inside_a_definition():
    spans = definition_lines(PYTHON, SOURCE)
    assert (19, 21) in spans and (13, 21) in spans  # the method and its class
    assert encloses(spans, 20)
    assert not encloses(spans, 0)  # an import line
