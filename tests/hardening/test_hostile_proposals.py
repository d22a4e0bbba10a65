"""Hostile proposals run in the sandbox: each is contained and the report names what stopped."""

from __future__ import annotations

from pathlib import Path

import pytest

from counterpoint.sandbox.runner import RunArea, detect_isolation, run_sandboxed, scrubbed_env
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


async def test_writes_inside_the_run_tree_work_and_writes_outside_it_do_not(tmp_path):
    isolation = detect_isolation()
    assert isolation.sandboxed, isolation.unavailable
    base = tmp_path / "base"
    (base / "a").mkdir(parents=True)
    (base / "a" / "f").write_text("x")
    outside = tmp_path / "outside"
    area = RunArea(tmp_path / "runs")
    run = area.new_run()
    script = (
        f"mv a/f b 2>&1 || true; touch c; touch {outside} /etc/x /usr/x 2>/dev/null; "
        "ls b c && echo listed"
    )
    result = await run_sandboxed(
        run,
        ["sh", "-c", script],
        scrubbed_env({}, run.layer),
        30,
        isolation,
        area=area,
        lower=[run.stage, base],
    )
    assert "listed" in result.output, result.output
    assert not outside.exists() and not Path("/etc/x").exists() and not Path("/usr/x").exists()
    assert (base / "a" / "f").read_text() == "x" and not (base / "b").exists()  # base untouched
