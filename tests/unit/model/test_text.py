from unittest.mock import patch

from hypothesis import given
from hypothesis import strategies as st

from counterpoint.model import text as text_module
from counterpoint.model.request import Position, Range
from counterpoint.model.text import (
    Lines,
    LineWindow,
    byte_offset,
    line_at,
    line_count,
    line_start,
    offset_of,
    replace_range,
    slice_range,
    split_lines,
)


def test_offsets_clamp_like_lsp_clients():
    text = "ab\ncd\n"
    assert offset_of(text, Position(1, 99)) == 5
    assert offset_of(text, Position(9, 0)) == len(text)


def test_whole_line_range_slices_and_replaces():
    text = "a\nb\nc\n"
    assert slice_range(text, Range.of_lines(1, 1)) == "b\n"
    assert replace_range(text, Range.of_lines(1, 1), "B\nB2\n") == "a\nB\nB2\nc\n"


def test_byte_offsets_count_utf8():
    text = "é😀x"
    assert byte_offset(text, 2) == 6


def test_line_count_counts_the_line_after_a_final_newline():
    assert line_count("a\nb\n") == 3
    assert line_count("a\nb") == 2


# Lines, looked up without splitting the whole text, agree with split_lines on any mix of
# line endings, including \r\n cut by the lookup's chunks.
texts = st.lists(st.sampled_from(["a", "é", "\n", "\r", "\r\n"]), max_size=60).map("".join)


@given(texts, st.integers(0, 70), st.sampled_from([1, 2, 3, 1 << 16]))
def test_line_lookup_agrees_with_split_lines(text, line, chunk):
    with patch.object(text_module, "_CHUNK", chunk):
        lines = split_lines(text)
        expected_start = sum(len(entry) for entry in lines[:line]) if line < len(lines) else None
        assert line_start(text, line) == expected_start
        assert line_at(text, line) == (lines[line] if line < len(lines) else "")
        assert line_count(text) == len(lines) == len(Lines(text))


@given(texts, st.integers(0, 20), st.integers(0, 20))
def test_a_line_window_holds_the_lines_it_was_made_for(text, first, span):
    lines = split_lines(text)
    window = LineWindow(text, first, first + span)
    assert len(window) == len(lines)
    for line in range(first, min(first + span + 1, len(lines))):
        assert window[line] == lines[line]
    assert window[first + span + 1] == "" and len(window.kept) <= span + 1


def test_a_line_window_of_a_big_document_keeps_only_its_lines():
    text = "x = 1\n" * 100_000
    window = LineWindow(text, 50_000, 50_002)
    assert window.kept == ("x = 1\n",) * 3
    assert len(window) == 100_001


def test_only_lsp_line_breaks_split_lines():
    text = 'a = "x\u2028y\x0cz"\r\nb = 1\rc = 2\n'
    assert split_lines(text) == ['a = "x\u2028y\x0cz"\r\n', "b = 1\r", "c = 2\n", ""]
