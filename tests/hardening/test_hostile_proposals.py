"""Hostile proposals run in the sandbox: each is contained and the report names what stopped."""

from __future__ import annotations

import pytest

from tests.hardening.hostile import HOSTILE_CASES, Arena, hostile_service, run_hostile_case


@pytest.mark.parametrize("case", HOSTILE_CASES, ids=lambda case: case.name)
async def test_hostile_proposal_is_contained(fake_providers, tmp_path, monkeypatch, case):
    arena = Arena.make(tmp_path / "arena", fake_providers.port)
    monkeypatch.setenv("HOME", str(arena.home))  # the server's home, with a canary in ~/.ssh
    service = hostile_service(tmp_path / "store")
    problems, report, _ = await run_hostile_case(fake_providers, arena, service, case)
    assert problems == [], report.execution_of("claude") if report else None
    # The plain fix still ran and passed: one hostile proposal does not sink the other.
    assert report is not None
    gpt = report.execution_of("gpt")
    assert gpt is not None and gpt.status == "ran" and gpt.failing() == []
