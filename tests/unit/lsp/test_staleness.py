"""line_edits diffs only what lies between the texts' common head and tail; what it reports
must still account for every line: the lines outside its edits are the same in both texts."""

from unittest.mock import patch

from hypothesis import given
from hypothesis import strategies as st

from counterpoint.lsp import staleness
from counterpoint.lsp.staleness import line_edits, shift_above
from counterpoint.model.text import split_lines

pieces = st.sampled_from(["a\n", "b\n", "\n", "c", "\r\n", "\r", "dd\n"])
inserts = st.sampled_from(["x", "\n", "y\n", "\r", "z\r\n"])


@st.composite
def edited(draw):
    old = "".join(draw(st.lists(pieces, max_size=12)))
    new = list(old)
    for _ in range(draw(st.integers(1, 3))):
        position = draw(st.integers(0, len(new)))
        if draw(st.booleans()):
            new[position:position] = draw(inserts)
        elif new:
            del new[min(position, len(new) - 1)]
    return old, "".join(new)


@given(edited(), st.sampled_from([1, 2, 1 << 14]))
def test_lines_outside_the_edits_are_unchanged_and_shifted_by_them(texts, step):
    old, new = texts
    with patch.object(staleness, "_STEP", step):
        edits = line_edits(old, new)
    old_lines, new_lines = split_lines(old), split_lines(new)
    assert len(old_lines) + sum(delta for _, _, delta in edits) == len(new_lines)
    for index, line in enumerate(old_lines):
        if not any(i1 <= index < i2 for i1, i2, _ in edits):
            assert new_lines[index + shift_above(index, edits)] == line


def test_an_edit_in_the_middle_of_a_big_document_is_found_where_it_is():
    old = "".join(f"line {i}\n" for i in range(300_000))
    new = old.replace("line 150000\n", "line 150000\nadded\n")
    assert line_edits(old, new) == [(150_001, 150_001, 1)]
