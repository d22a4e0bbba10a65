"""A connection failure names the URL it tried, so a mistyped base URL shows in the report and
the editor: real SDK clients against a closed port on 127.0.0.1."""

from __future__ import annotations

import socket

import pytest

from counterpoint.model.calls import ProviderError, StructuredCall
from counterpoint.model.vocabulary import FailureKind
from counterpoint.providers.anthropic import AnthropicClient
from counterpoint.providers.base import SdkAdapter
from counterpoint.providers.openai import OpenAIClient

SCHEMA = {"type": "object", "properties": {}, "additionalProperties": False}
CALL = StructuredCall("system", "user", "submit_proposal", SCHEMA, 64)


def closed_port() -> int:
    """A port on 127.0.0.1 that nothing listens on: bound, then released unlistened."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def adapter(provider: str, base_url: str) -> SdkAdapter:
    kind = AnthropicClient if provider == "anthropic" else OpenAIClient
    return kind("m", "test-key", base_url, 5.0, 0)


@pytest.mark.parametrize(
    ("provider", "path"), [("anthropic", "/v1/messages"), ("openai", "/chat/completions")]
)
async def test_an_unreachable_endpoint_is_named_in_the_failure(provider, path):
    port = closed_port()
    client = adapter(provider, f"http://127.0.0.1:{port}/typo")
    try:
        with pytest.raises(ProviderError) as failed:
            await client.complete(CALL)
    finally:
        await client.close()
    assert failed.value.kind == FailureKind.UNREACHABLE
    assert f"at http://127.0.0.1:{port}/typo{path}:" in failed.value.message


async def test_the_url_shown_leaves_out_credentials_and_the_query():
    port = closed_port()
    client = adapter("openai", f"http://user:hunter2-secret@127.0.0.1:{port}/v1?key=abc")
    try:
        with pytest.raises(ProviderError) as failed:
            await client.complete(CALL)
    finally:
        await client.close()
    message = failed.value.message
    assert f"at http://127.0.0.1:{port}/v1" in message  # the SDK puts the query in its path
    assert "hunter2" not in message and "key=abc" not in message and "user" not in message
