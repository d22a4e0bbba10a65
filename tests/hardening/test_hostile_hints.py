"""Type hints come from the repository, which is untrusted: a hint built to be huge or deep
(taking minutes to draw from, while other checks wait on the one search at a time) is read
as no hint at all, and the parameter gets small general values."""

import pytest

from counterpoint.languages.python.inputs import hint_strategy

HOSTILE = {
    "deep list": "list[" * 60 + "int" + "]" * 60,
    "deep dict": "dict[str, " * 40 + "int" + "]" * 40,
    "wide tuple": "tuple[" + ", ".join(["int"] * 3000) + "]",
    "wide union": " | ".join(["int", "str"] * 2000),
    "deep forward references": "'list[" * 30 + "int" + "]'" * 30,
    "deep unary": "-" * 100_000 + "1",
}


@pytest.mark.parametrize("hint", HOSTILE.values(), ids=HOSTILE.keys())
def test_a_hostile_hint_is_read_as_no_hint(hint):
    assert hint_strategy(hint) is None


@pytest.mark.parametrize(
    "hint", ["dict[str, list[tuple[int, str]]]", "Optional[list[int]]", "int | None"]
)
def test_an_ordinary_nested_hint_is_still_read(hint):
    assert hint_strategy(hint) is not None
