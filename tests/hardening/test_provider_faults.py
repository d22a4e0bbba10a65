"""Provider fault matrix: each provider × stage × fault ends in a labelled partial report.

The real SDK clients talk to the strict HTTP fake; each fault is injected on every call of one
provider at one stage. See tests/hardening/cases.py for the cases and what "survived" means.
"""

from __future__ import annotations

import pytest

from counterpoint.pipeline.run import cross_check
from tests.fakes.providers import Reply
from tests.hardening.cases import (
    FaultCase,
    fault_cases,
    fault_problems,
    fault_settings,
    run_fault_case,
    script_healthy,
    windows_request,
)


@pytest.mark.parametrize("case", fault_cases(), ids=lambda case: case.name)
async def test_fault_ends_in_a_labelled_partial_report(fake_providers, case: FaultCase):
    report, elapsed = await run_fault_case(fake_providers, case)
    assert fault_problems(case, report, elapsed) == []
    assert not fake_providers.rejected, [r.reason for r in fake_providers.rejected]


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
