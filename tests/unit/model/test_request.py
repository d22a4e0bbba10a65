"""Ranges: whole-line ranges and their overlaps."""

from counterpoint.model.request import Range


def test_adjacent_whole_line_ranges_do_not_overlap():
    assert not Range.of_lines(0, 6).overlaps(Range.of_lines(7, 9))
    assert Range.of_lines(0, 6).overlaps(Range.of_lines(6, 9))
