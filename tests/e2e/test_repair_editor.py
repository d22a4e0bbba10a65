"""The repair round in the editor: the hover says what the revision did, and cancelling a
cross-check stops a revision under way like any other call."""

import asyncio

from lsprotocol import types

from tests.e2e.conftest import open_fixture, started_client, whole_lines
from tests.e2e.test_cancellation import start_cross_check
from tests.e2e.test_crosscheck import cross_check
from tests.e2e.test_repair import FAILING, REVISED, script_failing_gpt
from tests.fakes.providers import Reply

# The user's own setting (initializationOptions) turns the round on over the fake's env.
REPAIR_ON = {"repairRounds": 1}


async def test_the_hover_says_gpt_revised_after_failing_the_test(fake_providers, tmp_path):
    script_failing_gpt(fake_providers)
    fake_providers.script(
        "openai", "submit_revision", Reply.structured({"code": REVISED, "explanation": ""})
    )
    async with started_client(fake_providers, tmp_path, REPAIR_ON) as client:
        uri, _ = open_fixture(client)
        summary = await cross_check(client, uri, whole_lines(0, 6))
        hover = await client.text_document_hover_async(
            types.HoverParams(types.TextDocumentIdentifier(uri), types.Position(1, 4))
        )
    assert summary["confidence"]["label"] == "verified-agreement"
    assert hover is not None
    text = hover.contents.value
    assert (
        f"GPT revised its proposal after failing {FAILING}; the revision passes it, "
        "and passes all 4 tests." in text
    )
    assert "Claude judges GPT's proposal correct (90%)" in text  # the revision's judgment
    assert "# no window fits when k > len(xs)" in text  # the revised code is GPT's proposal


async def test_cancelling_during_the_revision_stops_it(fake_providers, tmp_path):
    script_failing_gpt(fake_providers)
    fake_providers.script("openai", "submit_revision", Reply.hang(60))
    async with started_client(fake_providers, tmp_path, REPAIR_ON) as client:
        uri, _ = open_fixture(client)
        pending = start_cross_check(client, uri, "cancel-the-revision")
        for _ in range(600):  # the proposals, judgments and both test runs come first
            if any(r.kind == "submit_revision" for r in fake_providers.requests):
                break
            await asyncio.sleep(0.1)
        (revision,) = [r for r in fake_providers.requests if r.kind == "submit_revision"]
        client.cancel_request(types.CancelParams(id="cancel-the-revision"))
        for _ in range(100):
            if pending.done():
                break
            await asyncio.sleep(0.1)
        assert pending.done()
        await asyncio.sleep(1)
        # Abandoned, never answered; nothing was judged after it.
        assert revision.status == 0
        judged = [r for r in fake_providers.requests if r.kind == "submit_judgment"]
        assert len(judged) == 2
        assert list(client.diagnostics[uri]) == []
