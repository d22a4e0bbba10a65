"""Cancelling a cross-check stops its model calls and test processes and publishes nothing."""

import asyncio
import subprocess

from lsprotocol import types

from tests.e2e.conftest import open_fixture, whole_lines
from tests.e2e.scripts import ACCEPT, FIXED
from tests.fakes.providers import Reply

SLOW = FIXED.replace("    return [sum(", "    import time\n    time.sleep(60)\n    return [sum(")


def sandbox_processes(marker: str) -> list[str]:
    found = subprocess.run(["pgrep", "-af", marker], capture_output=True, text=True).stdout
    return [line for line in found.splitlines() if "pgrep" not in line]


def start_cross_check(client, uri, request_id):
    params = types.ExecuteCommandParams(
        command="counterpoint.crossCheck",
        arguments=[{"uri": uri, "range": whole_lines(0, 6), "instruction": "fix it"}],
    )
    return client.protocol.send_request("workspace/executeCommand", params, msg_id=request_id)


async def test_cancel_request_kills_the_tests_and_publishes_nothing_later(
    client, fake_providers, tmp_path
):
    for provider in ("anthropic", "openai"):
        fake_providers.default(
            provider,
            "submit_proposal",
            Reply.structured({"code": SLOW, "explanation": "", "tests": [], "edge_cases": []}),
        )
        fake_providers.default(provider, "submit_judgment", Reply.structured(ACCEPT), latency=30)
    uri, _ = open_fixture(client)
    pending = start_cross_check(client, uri, "cancel-me")
    marker = str(tmp_path / "cache" / "execution" / "runs")
    for _ in range(200):  # wait until the proposals' tests are running
        if sandbox_processes(marker):
            break
        await asyncio.sleep(0.1)
    assert sandbox_processes(marker), "the test run never started"
    # The proposals are in (their tests run): their partial report shows on the lines.
    assert any(d.code in ("in-progress", "partial") for d in client.diagnostics.get(uri, ()))

    client.cancel_request(types.CancelParams(id="cancel-me"))
    for _ in range(150):
        if not sandbox_processes(marker):
            break
        await asyncio.sleep(0.1)
    assert sandbox_processes(marker) == []
    await asyncio.sleep(0.5)
    assert pending.done()
    assert list(client.diagnostics[uri]) == []  # the "Cross-checking…" marker is gone

    published = len(client.diagnostics)
    await asyncio.sleep(3)  # nothing arrives later
    assert list(client.diagnostics[uri]) == [] and len(client.diagnostics) == published
    # The judges' slow replies were abandoned rather than waited for.
    judged = [r for r in fake_providers.requests if r.kind == "submit_judgment"]
    assert all(r.status == 0 for r in judged)


async def test_twenty_overlapping_re_runs_never_answer_an_internal_error(client, fake_providers):
    """Each re-run on the same lines replaces the one before it while that one's baseline tests
    run. A new run's baseline is the same run as the replaced one's: it used to join the shared
    run just as that was being cancelled, and answer -32603 (a KeyError in run_once)."""
    for provider in ("anthropic", "openai"):
        fake_providers.default(
            provider,
            "submit_proposal",
            Reply.structured({"code": FIXED, "explanation": "", "tests": [], "edge_cases": []}),
            latency=0.4,
        )
        fake_providers.default(provider, "submit_judgment", Reply.structured(ACCEPT), latency=0.1)
    uri, _ = open_fixture(client)
    pending = []
    for index in range(20):
        pending.append(asyncio.wrap_future(start_cross_check(client, uri, f"rerun-{index}")))
        await asyncio.sleep(0.05 + 0.1 * (index % 5))  # replaced at different points of its run
    answers = await asyncio.gather(*pending, return_exceptions=True)
    codes = [getattr(answer, "code", None) for answer in answers]
    internal = codes.count(-32603)
    print(f"-32603 answers over 20 overlapping re-runs: {internal}")
    assert internal == 0, answers
    # Each earlier one was replaced (ContentModified), or had finished before its successor came.
    assert all(
        code == -32801 or isinstance(answer, dict)
        for code, answer in zip(codes[:-1], answers[:-1], strict=True)
    ), answers
    assert isinstance(answers[-1], dict) and answers[-1]["proposals"] == ["claude", "gpt"]
