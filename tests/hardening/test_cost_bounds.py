"""Cost cannot run away: unpriced models under a cap, retries per request, the session's total.

Real SDK clients against the strict HTTP fake; what counts is what the fake received."""

from __future__ import annotations

import asyncio

import pytest

from counterpoint.config import Settings
from counterpoint.engine.budget import Budget
from counterpoint.engine.run import cross_check
from counterpoint.providers.pricing import PRICES_PER_MTOK
from tests.fakes.providers import PROVIDERS, Reply
from tests.hardening.cases import script_healthy, windows_request


def settings_for(fake, **values) -> tuple[Settings, dict[str, str]]:
    env = fake.env()
    return Settings.from_env(env).merged({"cache": False, "requestTimeout": 10, **values}), env


def attempts_by_kind(fake) -> dict[str, int]:
    """HTTP attempts the fake received, proposals and judgments apart."""
    return {
        kind: sum(1 for r in fake.requests if r.kind == kind)
        for kind in ("submit_proposal", "submit_judgment")
    }


async def run(settings, env, session: Budget | None = None):
    voices = settings.voices(env)
    try:
        return await cross_check(windows_request(), voices, settings.run_options(), session=session)
    finally:
        for voice in voices:
            await voice.client.close()


async def test_with_a_cost_cap_no_call_is_made_to_a_model_whose_price_is_unknown(
    fake_providers,
):
    script_healthy(fake_providers)
    settings, env = settings_for(
        fake_providers, gptModel="gpt-nobody-priced", maxCostPerRequest=1.0
    )
    report = await run(settings, env)

    assert {r.provider for r in fake_providers.requests} == {"anthropic"}
    refused = [f for f in report.failures if f.voice_id == "gpt"]
    assert {(f.kind, f.stage) for f in refused} == {("budget", "propose"), ("budget", "judge")}
    for failure in refused:
        assert "price of gpt-nobody-priced is unknown" in failure.message
        assert "counterpoint.prices" in failure.message  # and how to give one
    assert report.cost["unpriced_models"] == ["gpt-nobody-priced"]


async def test_without_a_cap_an_unpriced_model_is_called_and_reported_unpriced(fake_providers):
    script_healthy(fake_providers)
    settings, env = settings_for(fake_providers, gptModel="gpt-nobody-priced")
    report = await run(settings, env)
    assert [p.id for p in report.proposals] == ["claude", "gpt"]
    assert report.cost["unpriced_models"] == ["gpt-nobody-priced"]


async def test_the_default_models_are_priced(fake_providers):
    script_healthy(fake_providers)
    settings, env = settings_for(fake_providers, maxCostPerRequest=5.0)
    report = await run(settings, env)
    assert report.failures == ()
    assert report.cost["unpriced_models"] == [] and report.cost["request_usd"] > 0


async def test_retries_are_bounded_per_request_in_total_not_only_per_call(fake_providers):
    """Each proposal succeeds only on its last allowed retry; the judges then meet 429 on every
    attempt. Per call they could repeat 3 times each (8 attempts); the request's budget of
    3 × 2 voices is spent by the proposals, so each judge is tried once."""
    script_healthy(fake_providers)
    busy = Reply.error(429, retry_after=0.01)
    for provider in PROVIDERS:
        for _ in range(3):
            fake_providers.script(provider, "submit_proposal", busy)
        fake_providers.default(provider, "submit_judgment", busy)
    settings, env = settings_for(fake_providers, maxRetries=3)
    report = await run(settings, env)

    attempts = attempts_by_kind(fake_providers)
    assert attempts == {"submit_proposal": 8, "submit_judgment": 2}
    assert report.cost["retries"] == 6
    assert {f.kind for f in report.failures} == {"rate_limited"}


async def test_a_session_cap_refuses_calls_once_the_session_has_spent_it(fake_providers):
    script_healthy(fake_providers)
    settings, env = settings_for(fake_providers)
    first = await run(settings, env, session := Budget(None, "per-session"))
    spent = session.spent
    assert spent == pytest.approx(first.cost["request_usd"]) and spent > 0
    assert session.calls == 4

    session.cap = spent * 1.5  # room for part of another request, not all of it
    before = len(fake_providers.requests)
    second = await run(settings, env, session)
    assert any(f.kind == "budget" and "per-session" in f.message for f in second.failures)
    assert session.spent <= session.cap
    assert len(fake_providers.requests) - before < 4


async def test_the_session_counts_the_calls_of_a_cancelled_run(fake_providers):
    script_healthy(fake_providers)
    # Claude answers at once; GPT's proposal is still in flight when the run is cancelled.
    fake_providers.default(
        "openai",
        "submit_proposal",
        Reply.structured({"code": "x", "explanation": "", "tests": []}),
        latency=30,
    )
    settings, env = settings_for(fake_providers, execute=False)
    session = Budget(None, "per-session")
    task = asyncio.ensure_future(run(settings, env, session))
    while not any(r.kind == "submit_judgment" for r in fake_providers.requests):
        await asyncio.sleep(0.02)
    await asyncio.sleep(0.2)  # Claude's proposal and GPT's judgment of it have returned
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)

    assert session.calls == 3  # two that returned, and GPT's proposal that never did
    assert session.spent > 0
    assert session.reserved == pytest.approx(0, abs=1e-12)  # nothing left set aside


@pytest.mark.parametrize("last", ["truncated", "refusal"])
async def test_retries_before_a_reply_that_fails_still_count_against_the_request(
    fake_providers, last
):
    """Claude's proposal meets 429 three times and then a reply that fails (cut off, refused):
    those three retries were taken. With GPT's proposal taking its three too, the request's
    3 × 2 are spent and the judge of GPT's proposal, meeting 429, is tried once."""
    script_healthy(fake_providers)
    busy = Reply.error(429, retry_after=0.01)
    for provider in PROVIDERS:
        for _ in range(3):
            fake_providers.script(provider, "submit_proposal", busy)
        fake_providers.default(provider, "submit_judgment", busy)
    failed = Reply.truncated({"code": "x"}) if last == "truncated" else Reply.refusal()
    fake_providers.script("anthropic", "submit_proposal", failed)
    settings, env = settings_for(fake_providers, maxRetries=3, execute=False)
    report = await run(settings, env)

    attempts = attempts_by_kind(fake_providers)
    assert attempts == {"submit_proposal": 8, "submit_judgment": 1}
    assert report.cost["retries"] == 6


def _input_estimate_usd(request) -> float:
    """The pipeline's estimate of one attempt's input (~3 characters a token), at its price."""
    body = request.body
    if request.provider == "anthropic":
        text = body["system"] + body["messages"][0]["content"]
    else:
        text = "".join(message["content"] for message in body["messages"])
    return (len(text) // 3 + 1) * PRICES_PER_MTOK[body["model"]][0] / 1_000_000


async def test_calls_the_sdk_timed_out_and_retried_are_charged_like_cancelled_ones(
    fake_providers,
):
    """A repository may set requestTimeout (a shorter timeout is "tighter"). Every attempt the
    SDK sent and gave up on was sent, as a cancelled call was: it counts its input's estimate,
    so a session cap still ends a run of timeouts instead of seeing them as free."""
    for provider in PROVIDERS:
        fake_providers.default(provider, "submit_proposal", Reply.hang(30))
    settings, env = settings_for(fake_providers, requestTimeout=0.2, maxRetries=1, execute=False)
    session = Budget(None, "per-session")
    report = await run(settings, env, session)

    assert {f.kind for f in report.failures} == {"timeout"}
    attempts = fake_providers.requests
    assert len(attempts) == 4  # two proposals, each sent twice
    assert session.spent == pytest.approx(sum(_input_estimate_usd(r) for r in attempts))
    assert session.spent > 0
