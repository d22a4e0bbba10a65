"""The command line's argument parsing."""

import pytest

from counterpoint.cli import _parse_lines
from counterpoint.model.request import RequestError
from counterpoint.model.text import line_count


def test_the_last_line_of_a_file_without_a_final_newline_can_be_selected():
    assert _parse_lines("2-2", "a\nb") == (1, 1)
    assert line_count("a\nb\n") == 3
    with pytest.raises(RequestError, match="has 2 lines"):
        _parse_lines("3-3", "a\nb\n")
