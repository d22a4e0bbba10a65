"""Cache: a repeated identical cross-check, server side.

A real `counterpoint serve` runs over stdio (pygls's client, as an editor would drive it), with a
fresh COUNTERPOINT_CACHE_DIR and execution on. The first `counterpoint.crossCheck` on the fixture
goes to the HTTP fake (each model call answers after 0.3 s) and runs the tests in the sandbox;
the same command is then sent again and again. Each figure runs from sending the command to the
arrival of the `textDocument/publishDiagnostics` that carries that request's id. The fake's
request count shows whether the repeats made any model call.

Goal (issue 8): median ≤ 50 ms over ≥ 10 repeats.
"""

from __future__ import annotations

import statistics
import time
from pathlib import Path

from tests.e2e.scripts import ACCEPT, FIXED, REJECT, VARIANT
from tests.fakes.providers import FakeProviders, Reply

from bench.lsp_session import Session, make_project, run_with_fake, whole_lines

REPEATS = 15
LATENCY_S = 0.3
GOAL_MS = 50.0


def script(fake: FakeProviders) -> None:
    fake.reset()
    claude = {"code": FIXED, "explanation": "", "tests": [], "edge_cases": ["window_sums([1], 2)"]}
    gpt = {"code": VARIANT, "explanation": "", "tests": [], "edge_cases": []}
    fake.default("anthropic", "submit_proposal", Reply.structured(claude), LATENCY_S)
    fake.default("openai", "submit_proposal", Reply.structured(gpt), LATENCY_S)
    fake.default("openai", "submit_judgment", Reply.structured(ACCEPT), LATENCY_S)
    fake.default("anthropic", "submit_judgment", Reply.structured(REJECT), LATENCY_S)


async def timed_request(session: Session, uri: str) -> tuple[float, float, dict]:
    """(ms to the request's diagnostics, ms to the command's reply, the summary)."""
    sent = time.monotonic()
    summary = await session.cross_check(uri, whole_lines(0, 6))
    replied = time.monotonic()
    published = await session.diagnostics_for(summary["requestId"], after=sent)
    return (published - sent) * 1000, (replied - sent) * 1000, summary


async def measure(fake: FakeProviders, work: Path) -> dict:
    (path,) = make_project(work / "project", 1)
    env = {**fake.env(), "COUNTERPOINT_CACHE_DIR": str(work / "cache")}
    async with Session(env, work / "project") as session:
        uri = session.open(path)
        first_ms, _first_reply_ms, first = await timed_request(session, uri)
        calls_after_first = len(fake.accepted)
        repeats, replies, summaries = [], [], []
        for _ in range(REPEATS):
            published_ms, reply_ms, summary = await timed_request(session, uri)
            repeats.append(published_ms)
            replies.append(reply_ms)
            summaries.append(summary)
        calls_after_repeats = len(fake.accepted)
    median = statistics.median(repeats)
    return {
        "execution": "on: the repeats reuse the cached test runs (snapshot refresh and test "
        "discovery still run on each request)",
        "model_latency_s": LATENCY_S,
        "first_request_ms": round(first_ms, 1),
        "first_request_label": first["confidence"]["label"],
        "first_request_model_calls": calls_after_first,
        "repeats": REPEATS,
        "repeat_to_diagnostics_ms": [round(ms, 1) for ms in repeats],
        "repeat_to_reply_ms": [round(ms, 1) for ms in replies],
        "median_ms": round(median, 1),
        "max_ms": round(max(repeats), 1),
        "model_calls_during_repeats": calls_after_repeats - calls_after_first,
        "cached_calls_per_repeat": sorted({s["cost"]["cached_calls"] for s in summaries}),
        "repeat_labels_same_as_first": all(
            s["confidence"] == first["confidence"] for s in summaries
        ),
        "rejected_calls": len(fake.rejected),
        "goal_median_ms": GOAL_MS,
        "met": median <= GOAL_MS and calls_after_repeats == calls_after_first,
    }


def run() -> dict:
    return run_with_fake("counterpoint-bench-cache-", script, measure)
