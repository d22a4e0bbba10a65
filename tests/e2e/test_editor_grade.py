"""Editor-grade behaviour over LSP: cache, cost, more voices, redaction."""

from lsprotocol import types

from tests.e2e.conftest import open_fixture, started_client, whole_lines
from tests.e2e.scripts import ACCEPT, FIXED, script_disagreement
from tests.e2e.test_crosscheck import cross_check
from tests.fakes.providers import Reply

KEY = "sk-ant-api03-" + "Q" * 40


async def test_a_cached_rerun_makes_no_http_calls(client, fake_providers):
    script_disagreement(fake_providers)
    uri, _ = open_fixture(client)
    first = await cross_check(client, uri, whole_lines(0, 6))
    assert len(fake_providers.accepted) == 4
    fake_providers.reset()  # forget the scripts too: any model call now fails loudly

    again = await cross_check(client, uri, whole_lines(0, 6))
    assert fake_providers.requests == []
    assert again["confidence"] == first["confidence"]
    assert again["cost"]["cached_calls"] == 4 and again["cost"]["request_usd"] == 0
    assert any(d.code == "verified-one" for d in client.diagnostics[uri])


async def test_the_cost_appears_in_the_hover(client, fake_providers):
    # Both default models are in the price table.
    script_disagreement(fake_providers)
    uri, _ = open_fixture(client)
    summary = await cross_check(client, uri, whole_lines(0, 6))
    cost = summary["cost"]
    assert cost["request_usd"] > 0 and cost["unpriced_models"] == []
    assert cost["session_usd"] == cost["request_usd"]
    hover = await client.text_document_hover_async(
        types.HoverParams(types.TextDocumentIdentifier(uri), types.Position(2, 4))
    )
    assert f"cost ${cost['request_usd']:.4f}" in hover.contents.value
    assert f"session ${cost['session_usd']:.4f}" in hover.contents.value


async def test_three_voices_from_three_families_judge_round_robin(fake_providers, tmp_path):
    voices = [
        {"id": "claude", "name": "Claude", "provider": "anthropic", "model": "claude-x"},
        {"id": "gpt", "name": "GPT", "provider": "openai", "model": "gpt-x"},
        {
            "id": "llama",
            "name": "Llama",
            "provider": "openai",
            "model": "llama-x",
            "family": "meta",
            "keyEnv": "OPENAI_API_KEY",
        },
    ]
    proposal = {"code": FIXED, "explanation": "", "tests": [], "edge_cases": []}
    fake_providers.default("anthropic", "submit_proposal", Reply.structured(proposal))
    fake_providers.default("openai", "submit_proposal", Reply.structured(proposal))
    fake_providers.default("anthropic", "submit_judgment", Reply.structured(ACCEPT))
    fake_providers.default("openai", "submit_judgment", Reply.structured(ACCEPT))
    # Voices are the user's own choice: initializationOptions, never workspace/configuration.
    async with started_client(fake_providers, tmp_path, {"voices": voices}) as client:
        uri, _ = open_fixture(client)
        summary = await cross_check(client, uri, whole_lines(0, 6))
    assert summary["proposals"] == ["claude", "gpt", "llama"]
    assert summary["failures"] == []
    judged_by_model = sorted(
        (r.body["model"], r.kind) for r in fake_providers.accepted if r.kind == "submit_judgment"
    )
    # Each proposal is judged by the next voice of another family: GPT by Llama, not by itself.
    assert judged_by_model == [
        ("claude-x", "submit_judgment"),
        ("gpt-x", "submit_judgment"),
        ("llama-x", "submit_judgment"),
    ]
    assert summary["confidence"]["label"] == "verified-agreement"


async def test_a_key_in_the_selection_never_reaches_the_models(client, fake_providers, tmp_path):
    script_disagreement(fake_providers)
    uri, text = open_fixture(client)
    leaky = text.replace('    """Sums', f'    token = "{KEY}"\n    """Sums', 1)
    client.text_document_did_change(
        types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=2),
            content_changes=[types.TextDocumentContentChangeWholeDocument(text=leaky)],
        )
    )
    summary = await cross_check(client, uri, whole_lines(0, 7))
    assert summary["privacy"]["redacted"] == {"anthropic-key": 1}
    bodies = [str(r.body) for r in fake_providers.requests]
    assert bodies and all(KEY not in body for body in bodies)
    assert any("REDACTED-anthropic-key-1" in body for body in bodies)


async def test_ignored_files_are_never_sent(client, fake_providers):
    uri = (open_fixture(client)[0]).replace("windows.py", "secrets.py")
    client.text_document_did_open(
        types.DidOpenTextDocumentParams(
            text_document=types.TextDocumentItem(
                uri=uri, language_id="python", version=1, text="def f():\n    return 1\n"
            )
        )
    )
    summary_error = None
    try:
        await cross_check(client, uri, whole_lines(0, 1))
    except Exception as error:
        summary_error = str(error)
    assert summary_error is not None and "secrets.*" in summary_error
    assert fake_providers.requests == []
