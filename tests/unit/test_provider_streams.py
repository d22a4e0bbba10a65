"""The adapters stream: real SDK clients against the strict fake's server-sent events.

Tokens are told as they are written, the time to the first one is kept, an error sent inside a
stream is mapped like its status would be, and a stream that stops sending is a timeout."""

from __future__ import annotations

import itertools
import time
from typing import Any

import pytest

from counterpoint.cache import DiskCache
from counterpoint.model.calls import ModelClient, ProviderError, StructuredCall
from counterpoint.model.vocabulary import FailureKind
from counterpoint.providers.anthropic import AnthropicClient
from counterpoint.providers.base import STALL_CAP_S, SdkAdapter
from counterpoint.providers.cached import CachedClient
from counterpoint.providers.openai import OpenAIClient
from tests.fakes.providers import ANTHROPIC_TEST_KEY, OPENAI_TEST_KEY, FakeProviders, Reply

SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {"code": {"type": "string"}, "explanation": {"type": "string"}},
    "required": ["code", "explanation"],
    "additionalProperties": False,
}
ANSWER = {"code": "def f(xs):\n    return [x * 2 for x in xs]\n" * 8, "explanation": "Doubles."}
CALL = StructuredCall("You propose code.", "Double each item.", "submit_proposal", SCHEMA, 1024)
PROVIDERS = ("anthropic", "openai")


def client(fake: FakeProviders, provider: str, timeout_s: float = 5.0) -> SdkAdapter:
    if provider == "anthropic":
        return AnthropicClient(
            "claude-test", ANTHROPIC_TEST_KEY, fake.anthropic_base_url, timeout_s, 0
        )
    return OpenAIClient("gpt-test", OPENAI_TEST_KEY, fake.openai_base_url, timeout_s, 0)


async def complete(model: ModelClient, **kwargs: Any) -> Any:
    try:
        return await model.complete(CALL, **kwargs)
    finally:
        await model.close()  # type: ignore[attr-defined]


@pytest.mark.parametrize("provider", PROVIDERS)
async def test_tokens_are_told_rising_as_the_reply_is_written(fake_providers, provider):
    fake_providers.script(provider, "submit_proposal", Reply.structured(ANSWER).paced(0.012))
    told: list[tuple[float, int]] = []
    started = time.monotonic()

    reply = await complete(
        client(fake_providers, provider),
        on_tokens=lambda n: told.append((time.monotonic(), n)),
    )

    assert reply.data == ANSWER
    counts = [n for _, n in told]
    assert len(counts) >= 3 and counts == sorted(set(counts))  # rising, never repeated
    assert counts[-1] == reply.usage.output_tokens  # the last is the stream's own count
    gaps = [b - a for (a, _), (b, _) in itertools.pairwise(told[:-1])]  # the last is forced
    assert all(gap >= 0.09 for gap in gaps)  # at most every ~100 ms, not per event
    assert reply.first_token_s is not None
    assert 0 < reply.first_token_s < told[0][0] - started + 0.05
    (request,) = fake_providers.accepted
    assert request.body["stream"] is True
    if provider == "openai":
        assert request.body["stream_options"] == {"include_usage": True}


@pytest.mark.parametrize("provider", PROVIDERS)
async def test_an_overloaded_error_inside_the_stream_is_overloaded(fake_providers, provider):
    fake_providers.script(
        provider, "submit_proposal", Reply.structured(ANSWER).failing_mid_stream(529, after=3)
    )
    with pytest.raises(ProviderError) as raised:
        await complete(client(fake_providers, provider))
    error = raised.value
    assert error.kind == FailureKind.OVERLOADED
    label = "Anthropic" if provider == "anthropic" else "OpenAI"
    assert error.message == f"{label} is overloaded (mid-stream); try again later"
    assert error.retries == 0
    if provider == "anthropic":  # message_start said what the input cost
        assert error.usage.input_tokens > 0
    assert fake_providers.accepted[0].reason == "error mid-stream (529)"


@pytest.mark.parametrize("provider", PROVIDERS)
async def test_a_server_error_inside_the_stream_is_a_server_error(fake_providers, provider):
    fake_providers.script(
        provider,
        "submit_proposal",
        Reply.structured(ANSWER).failing_mid_stream(500, after=1, message="boom"),
    )
    with pytest.raises(ProviderError) as raised:
        await complete(client(fake_providers, provider))
    assert raised.value.kind == FailureKind.SERVER_ERROR
    assert "mid-stream" in raised.value.message and "boom" in raised.value.message


@pytest.mark.parametrize("provider", PROVIDERS)
async def test_a_stream_that_stalls_is_a_timeout_within_the_stall_bound(fake_providers, provider):
    fake_providers.script(provider, "submit_proposal", Reply.structured(ANSWER).stalling(after=4))
    model = client(fake_providers, provider, timeout_s=0.4)
    assert model.stall_s == 0.4
    told: list[int] = []
    started = time.monotonic()

    with pytest.raises(ProviderError) as raised:
        await complete(model, on_tokens=told.append)

    elapsed = time.monotonic() - started
    label = "Anthropic" if provider == "anthropic" else "OpenAI"
    assert raised.value.kind == FailureKind.TIMEOUT
    assert raised.value.message == f"{label}'s stream stalled: no data for 0.4 s"
    assert 0.4 <= elapsed < 3  # loose above: CI machines are shared; a hang would be 30 s
    assert told  # what came before the stall was told
    (request,) = fake_providers.requests  # the SDK does not retry once the stream has begun
    assert request.reason in ("stalled mid-stream", "client disconnected")


@pytest.mark.parametrize("provider", PROVIDERS)
async def test_between_events_the_stall_bound_applies_not_the_request_timeout(
    fake_providers, provider
):
    fake_providers.script(provider, "submit_proposal", Reply.structured(ANSWER).stalling(after=2))
    model = client(fake_providers, provider, timeout_s=5)
    model.stall_s = 0.3  # as the 60 s cap does for a request timeout over a minute
    started = time.monotonic()
    with pytest.raises(ProviderError) as raised:
        await complete(model)
    assert raised.value.kind == FailureKind.TIMEOUT
    assert raised.value.message.endswith("stream stalled: no data for 0.3 s")
    assert time.monotonic() - started < 4  # the request timeout would be 5 s


def test_the_stall_bound_is_the_request_timeout_up_to_a_minute(fake_providers):
    assert client(fake_providers, "anthropic", timeout_s=5).stall_s == 5
    assert client(fake_providers, "openai", timeout_s=600).stall_s == STALL_CAP_S == 60


@pytest.mark.parametrize("provider", PROVIDERS)
async def test_retries_before_the_stream_began_are_counted(fake_providers, provider):
    fake_providers.script(provider, "submit_proposal", Reply.error(429, retry_after=0.01))
    fake_providers.script(provider, "submit_proposal", Reply.error(500))
    fake_providers.script(provider, "submit_proposal", Reply.structured(ANSWER))
    reply = await complete(client(fake_providers, provider), max_retries=2)
    assert reply.data == ANSWER and reply.retries == 2
    assert [r.status for r in fake_providers.requests] == [429, 500, 200]


@pytest.mark.parametrize("provider", PROVIDERS)
async def test_a_connection_dropped_mid_stream_is_unreachable(fake_providers, provider):
    fake_providers.script(
        provider, "submit_proposal", Reply.structured(ANSWER).stalling(after=3, seconds=0)
    )
    with pytest.raises(ProviderError) as raised:
        await complete(client(fake_providers, provider))
    label = "Anthropic" if provider == "anthropic" else "OpenAI"
    assert raised.value.kind == FailureKind.UNREACHABLE
    assert raised.value.message.startswith(f"{label}'s stream broke off: ")


async def test_a_cached_reply_streams_nothing_and_has_no_first_token(fake_providers, tmp_path):
    fake_providers.default("openai", "submit_proposal", Reply.structured(ANSWER))
    cached = CachedClient(client(fake_providers, "openai"), DiskCache(tmp_path / "c"), None)
    told: list[int] = []
    first = await cached.complete(CALL, on_tokens=told.append)
    assert first.first_token_s is not None and told
    told.clear()
    again = await complete(cached, on_tokens=told.append)
    assert again.cached and again.first_token_s is None and told == []
    assert len(fake_providers.requests) == 1
