"""Hostile proposals run in the sandbox: each is contained and the report names what stopped."""

from __future__ import annotations

import pytest

from counterpoint.sandbox.runner import detect_isolation, run_sandboxed, scrubbed_env
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


async def test_relative_writes_in_the_run_directory_work_and_absolute_ones_outside_do_not(
    tmp_path,
):
    isolation = detect_isolation()
    if not isolation.read_only:
        pytest.skip("no read-only view on this machine")
    sandbox = tmp_path / "sandbox"
    work = sandbox / "work"
    (work / "a").mkdir(parents=True)
    (work / "a" / "f").write_text("x")
    outside = tmp_path / "outside"
    script = f"mv a/f b 2>&1 || true; touch c; touch {outside} 2>/dev/null || echo refused"
    result = await run_sandboxed(
        ["sh", "-c", script], work, scrubbed_env({}, sandbox), 30, isolation, writable=(sandbox,)
    )
    assert (work / "b").exists() and (work / "c").exists(), result.output
    assert not outside.exists() and "refused" in result.output
