"""Arrival: from a proposal's arrival at the server to its appearance in published diagnostics.

A real `counterpoint serve` runs over stdio (pygls's client, as an editor drives it), with the
reply cache off and execution on (the baseline's tests run meanwhile, as in the editor). Claude
answers its proposal after 0.2 s through the real anthropic SDK; GPT is slow (30 s), so the
figure is that of the first proposal while the other family still writes. Each figure runs from
the moment the fake finished answering Claude's proposal request (its `finished_at`, the same
clock in this process) to the arrival of the first `textDocument/publishDiagnostics` whose
partial report holds Claude's proposal. The run is then cancelled with `counterpoint.cancel`
and the next one starts.

Goal (issue 16): median ≤ 50 ms over ≥ 20 runs.
"""

from __future__ import annotations

import asyncio
import statistics
import time
from pathlib import Path

from lsprotocol import types
from tests.e2e.scripts import ACCEPT, FIXED, REJECT, VARIANT
from tests.fakes.providers import FakeProviders, Reply

from bench.lsp_session import Session, make_project, run_with_fake, whole_lines

RUNS = 25
FIRST_S = 0.2
SLOW_S = 30.0
GOAL_MS = 50.0


def script(fake: FakeProviders) -> None:
    fake.reset()
    proposal = {"explanation": "", "tests": [], "edge_cases": []}
    claude = Reply.structured({**proposal, "code": FIXED})
    gpt = Reply.structured({**proposal, "code": VARIANT})
    fake.default("anthropic", "submit_proposal", claude, FIRST_S)
    fake.default("openai", "submit_proposal", gpt, SLOW_S)
    fake.default("openai", "submit_judgment", Reply.structured(ACCEPT), SLOW_S)
    fake.default("anthropic", "submit_judgment", Reply.structured(REJECT), SLOW_S)


def claude_answered(fake: FakeProviders, after: float) -> float | None:
    return next(
        (
            r.finished_at
            for r in fake.requests
            if r.provider == "anthropic"
            and r.kind == "submit_proposal"
            and r.started_at >= after
            and r.finished_at is not None
        ),
        None,
    )


async def first_shown(session: Session, request_id: str, after: float, timeout: float = 30):
    """When a publish first carried this request's partial report with Claude's proposal."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for published in session.published:
            if published.at >= after and any(
                isinstance(d.data, dict)
                and d.data.get("requestId") == request_id
                and "claude" in d.data.get("proposals", [])
                for d in published.diagnostics
            ):
                return published.at
        await asyncio.sleep(0.002)
    raise TimeoutError(f"Claude's proposal of {request_id} was never published")


async def measure(fake: FakeProviders, work: Path) -> dict:
    (path,) = make_project(work / "project", 1)
    env = {
        **fake.env(),
        "COUNTERPOINT_CACHE_DIR": str(work / "cache"),
        "COUNTERPOINT_CACHE": "0",  # every run's proposal comes from the fake, not the cache
    }
    delays, answers = [], []
    async with Session(env, work / "project", wait_for_result=False) as session:
        uri = session.open(path)
        for _ in range(RUNS):
            sent = time.monotonic()
            started = await session.cross_check(uri, whole_lines(0, 6))
            answers.append((time.monotonic() - sent) * 1000)
            request_id = started["requestId"]
            shown = await first_shown(session, request_id, sent)
            arrived = claude_answered(fake, sent)
            assert arrived is not None, "the fake has no answered proposal request"
            delays.append((shown - arrived) * 1000)
            await session.client.workspace_execute_command_async(
                types.ExecuteCommandParams(
                    command="counterpoint.cancel", arguments=[{"requestId": request_id}]
                )
            )
            for _ in range(500):  # its done notification: nothing of it runs on
                if request_id in session.done:
                    break
                await asyncio.sleep(0.01)
    median = statistics.median(delays)
    return {
        "runs": RUNS,
        "first_family_s": FIRST_S,
        "second_family_s": SLOW_S,
        "execution": "on (the baseline runs meanwhile); reply cache off",
        "arrival_to_diagnostics_ms": [round(ms, 1) for ms in delays],
        "median_ms": round(median, 1),
        "p90_ms": round(sorted(delays)[int(len(delays) * 0.9) - 1], 1),
        "max_ms": round(max(delays), 1),
        "command_answer_ms_median": round(statistics.median(answers), 1),
        "rejected_calls": len(fake.rejected),
        "goal_median_ms": GOAL_MS,
        "met": median <= GOAL_MS,
    }


def run() -> dict:
    return run_with_fake("counterpoint-bench-arrival-", script, measure)
