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
        types.HoverParams(types.TextDocumentIdentifier(uri), types.Position(6, 12))
    )
    assert hover is not None
    text = hover.contents.value
    assert "Counterpoint: verified-one" in text
    assert "Claude: 1/1 own, 1/1 doctest, 3/3 workspace tests" in text
    assert "GPT: 1/1 Claude's, 1/1 doctest, 2/3 workspace tests" in text
    assert "test_window_larger_than_list_has_no_sums (broken: passed on the original)" in text
    assert "#### Claude" in text and "#### GPT" in text
    assert "range(len(xs) - k + 1)" in text and "if k > len(xs):" in text
    assert "GPT judges it correct" in text and "Claude judges it incorrect" in text
    assert "window_sums([1], 2) should be []" in text


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
    region, _, rest = text.partition("\n\n---\n\n")
    assert region.startswith("**Disputed region** (lines 7-7)")
    assert "_GPT:_\n```python\n    if k > len(xs):\n        return [sum(xs)]\n```" in region
    assert "_Claude:_\n```python\n(no lines here)\n```" in region
    assert "Claude on GPT's version: window_sums([1], 2) should be []" in region
    assert hover.range == types.Range(types.Position(6, 0), types.Position(7, 0))
    assert "Counterpoint: verified-one" in rest
