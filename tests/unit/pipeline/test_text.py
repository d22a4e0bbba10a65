from counterpoint.pipeline.request import Position, Range
from counterpoint.pipeline.text import (
    byte_offset,
    line_count,
    offset_of,
    replace_range,
    slice_range,
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
