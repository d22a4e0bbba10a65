"""Cancellation: time from a cancel until every model call and test process has stopped.

A cross-check runs against the HTTP fake with the real SDK clients; both proposals' tests hang
(a sleep in the function), and the judges answer slowly. Once the tests are running, the run is
cancelled; the figure is the time until the pipeline task is done and no sandbox process is left.
"""

from __future__ import annotations

import asyncio
import contextlib
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

from tests.e2e.scripts import ACCEPT, FIXED
from tests.fakes.providers import FakeProviders, Reply

from bench.overhead import FIXTURE
from counterpoint.config import Settings
from counterpoint.engine.execute import ExecutionOptions, ExecutionService
from counterpoint.engine.run import cross_check
from counterpoint.model.request import CrossCheckRequest, Range

SLOW = FIXED.replace("    return [sum(", "    import time\n    time.sleep(60)\n    return [sum(")
RUNS = 3


def sandbox_processes(marker: str) -> int:
    found = subprocess.run(["pgrep", "-f", marker], capture_output=True, text=True).stdout
    return len(found.split())


async def one_cancel(fake: FakeProviders, store: Path) -> float:
    env = fake.env()
    settings = Settings.from_env(env)
    voices = settings.voices(env)
    request = CrossCheckRequest(
        FIXTURE.as_uri(), FIXTURE.read_text(), "python", Range.of_lines(0, 6), "fix it"
    )
    service = ExecutionService(ExecutionOptions(store_dir=store))
    task = asyncio.ensure_future(
        cross_check(request, voices, settings.run_options(), execution=service)
    )
    marker = str(store / "runs")
    while sandbox_processes(marker) < 2:  # both proposals' test runs are under way
        await asyncio.sleep(0.05)
    cancelled = time.monotonic()
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task
    while sandbox_processes(marker):
        await asyncio.sleep(0.01)
    stopped = time.monotonic() - cancelled
    for voice in voices:
        await voice.client.close()  # type: ignore[attr-defined]
    return stopped


def run() -> dict:
    with FakeProviders() as fake:
        times = []
        for _ in range(RUNS):
            fake.reset()
            proposal = {"code": SLOW, "explanation": "", "tests": [], "edge_cases": []}
            for provider in ("anthropic", "openai"):
                fake.default(provider, "submit_proposal", Reply.structured(proposal))
                fake.default(provider, "submit_judgment", Reply.structured(ACCEPT), latency=30)
            times.append(asyncio.run(one_cancel(fake, Path(tempfile.mkdtemp()))))
        abandoned = sum(1 for r in fake.requests if r.kind == "submit_judgment" and r.status == 0)
    return {
        "runs": RUNS,
        "cancel_to_all_stopped_s": [round(t, 3) for t in times],
        "median_s": round(statistics.median(times), 3),
        "judge_calls_abandoned_in_last_run": abandoned,
    }
