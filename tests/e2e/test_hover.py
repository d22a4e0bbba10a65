"""Hover over a cross-checked range shows both proposals and both judgments."""

from lsprotocol import types

from tests.e2e.conftest import open_fixture, whole_lines
from tests.e2e.scripts import script_disagreement
from tests.e2e.test_crosscheck import cross_check


async def test_hover_shows_both_versions_and_judgments(client, fake_providers):
    script_disagreement(fake_providers)
    uri, _ = open_fixture(client)
    await cross_check(client, uri, whole_lines(0, 6))

    hover = await client.text_document_hover_async(
        types.HoverParams(types.TextDocumentIdentifier(uri), types.Position(1, 4))
    )
    assert hover is not None
    text = hover.contents.value
    # A sentence first, not the label's id.
    assert text.startswith(
        "**Verified: Claude's proposal passes all 5 tests; GPT's breaks "
        "test_window_larger_than_list_has_no_sums, which the original passes.** "
        "Recommended: Claude's proposal."
    )
    assert "verified-one" not in text
    # The matrix as a table: a row per version, a column per source.
    assert "| | workspace | doctests | Claude's tests |" in text
    assert "| Claude | 3/3 | 1/1 | 1/1 |" in text and "| GPT | 2/3 | 1/1 | 1/1 |" in text
    assert "test_window_larger_than_list_has_no_sums (broken: passed on the original)" in text
    # Off a disputed region, the whole proposals.
    assert "#### Claude's proposal" in text and "#### GPT's proposal" in text
    assert "range(len(xs) - k + 1)" in text and "if k > len(xs):" in text
    assert "GPT judges Claude's proposal correct (90%)" in text
    assert "Claude judges GPT's proposal incorrect (85%)" in text
    assert "window_sums([1], 2) should be []" in text
    # Each thing once.
    for said in (
        "GPT judges Claude's proposal correct",
        "Claude judges GPT's proposal incorrect",
        "They behave differently on",
        "window_sums([1], 2) should be []",
    ):
        assert text.count(said) == 1, (said, text)
    for fragment in ("(+1)", "7-7", "no lines here)", "(lines "):
        assert fragment not in text, fragment


async def test_no_hover_outside_checked_ranges(client, fake_providers):
    script_disagreement(fake_providers)
    uri, _ = open_fixture(client)
    await cross_check(client, uri, whole_lines(0, 6))
    hover = await client.text_document_hover_async(
        types.HoverParams(types.TextDocumentIdentifier(uri), types.Position(10, 4))
    )
    assert hover is None


async def test_hover_on_a_disputed_region_shows_each_version_of_it(client, fake_providers):
    script_disagreement(fake_providers)
    uri, _ = open_fixture(client)
    await cross_check(client, uri, whole_lines(0, 6))
    hover = await client.text_document_hover_async(
        types.HoverParams(types.TextDocumentIdentifier(uri), types.Position(6, 4))
    )
    text = hover.contents.value
    headline, _, rest = text.partition("\n\n")
    assert headline.startswith("**Verified: Claude's proposal passes all 5 tests")
    # The region under the cursor comes right after the headline.
    assert rest.startswith("**Disputed region, line 7**")
    assert "_GPT:_\n```python\n    if k > len(xs):\n        return [sum(xs)]\n```" in rest
    assert "_Claude has no lines here._" in rest
    assert "Claude on GPT's version: window_sums([1], 2) should be []" in rest
    assert "**They behave differently on** `window_sums([1], 2): Claude → [], GPT → [1]`" in rest
    assert hover.range == types.Range(types.Position(6, 0), types.Position(7, 0))
    # On a region the whole proposals are left out (the quick fixes and the diff show them),
    # and nothing is said twice.
    assert "#### " not in text
    assert text.count("window_sums([1], 2) should be []") == 1, text
    assert text.count("They behave differently on") == 1, text
