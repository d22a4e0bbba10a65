"""Provider fault matrix: each provider × stage × fault ends in a labelled partial report.

The real SDK clients talk to the strict HTTP fake; each fault is injected on every call of one
provider at one stage. See tests/hardening/cases.py for the cases and what "survived" means.
"""

from __future__ import annotations

import time

import pytest

from counterpoint.engine.run import cross_check
from tests.fakes.providers import Reply
from tests.hardening.cases import (
    CASE_BOUND_S,
    fault_problems,
    fault_settings,
    run_fault_matrix,
    script_healthy,
    windows_request,
)


async def test_every_fault_ends_in_a_labelled_partial_report_in_bounded_time(fake_providers):
    started = time.monotonic()
    results = await run_fault_matrix(fake_providers)
    assert len(results) == 2 * 2 * 9
    problems = {
        case.name: found
        for case, (report, elapsed) in results.items()
        if (found := fault_problems(case, report, elapsed))
    }
    assert problems == {}
    # All 36 run at once; building 72 SDK clients (and importing the SDKs) is the rest.
    assert time.monotonic() - started < 2 * CASE_BOUND_S
    assert not fake_providers.rejected, [r.reason for r in fake_providers.rejected]
    # Every case reached the fake with the fault it was meant to meet.
    faulty = [r for r in fake_providers.requests if r.status != 200]
    assert len({r.body["model"] for r in faulty}) >= 2 * 2 * 5


@pytest.mark.parametrize("provider", ["anthropic", "openai"])
async def test_a_429_with_retry_after_is_retried_and_then_succeeds(fake_providers, provider):
    script_healthy(fake_providers)
    fake_providers.script(provider, "submit_proposal", Reply.error(429, retry_after=0.05))
    settings, env = fault_settings(fake_providers)
    voices = settings.voices(env)
    report = await cross_check(windows_request(), voices, settings.run_options())
    for voice in voices:
        await voice.client.close()
    assert report.failures == ()
    assert [p.id for p in report.proposals] == ["claude", "gpt"]
    calls = [
        r for r in fake_providers.requests if (r.provider, r.kind) == (provider, "submit_proposal")
    ]
    assert [r.status for r in calls] == [429, 200]
