"""Pipeline overhead: wall time of a cross-check against its critical path.

The real SDK clients talk to the HTTP fake, which answers each stage after a fixed latency.
Claude proposes in 0.8 s and GPT in 1.2 s; GPT judges Claude's proposal in 0.6 s and Claude
judges GPT's in 0.4 s. The pipelined critical path is max(0.8 + 0.6, 1.2 + 0.4) = 1.6 s; a staged
design (all proposals, then all judgments) needs max(0.8, 1.2) + max(0.6, 0.4) = 1.8 s.
"""

from __future__ import annotations

import asyncio
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from tests.e2e.scripts import ACCEPT, FIXED, REJECT
from tests.fakes.providers import FakeProviders, Reply

from counterpoint.config import Settings
from counterpoint.engine.execute import ExecutionOptions, ExecutionService
from counterpoint.engine.run import cross_check
from counterpoint.model.request import CrossCheckRequest, Range

PROPOSE = {"anthropic": 0.8, "openai": 1.2}
JUDGE = {"openai": 0.6, "anthropic": 0.4}  # the judge's provider: GPT judges Claude's
RUNS = 5
PROVIDERS = ("anthropic", "openai")
FIXTURE = (
    Path(__file__).resolve().parents[1]
    / "tests"
    / "e2e"
    / "fixtures"
    / "windows_project"
    / "windows.py"
)


def script(fake: FakeProviders) -> None:
    fake.reset()  # also clears the request records, so each run counts its own calls
    proposal = {"code": FIXED, "explanation": "", "tests": []}
    for provider in PROVIDERS:
        fake.default(provider, "submit_proposal", Reply.structured(proposal), PROPOSE[provider])
    fake.default("openai", "submit_judgment", Reply.structured(ACCEPT), JUDGE["openai"])
    fake.default("anthropic", "submit_judgment", Reply.structured(REJECT), JUDGE["anthropic"])


async def one_run_with_tests(fake: FakeProviders, store: Path) -> dict:
    """The same run with execution on: the critical path gains max(propose) + the slower
    proposal's test run, taken from the report's own stage timings."""
    env = {**fake.env()}
    settings = Settings.from_env(env)
    voices = settings.voices(env)
    text = FIXTURE.read_text()
    request = CrossCheckRequest(FIXTURE.as_uri(), text, "python", Range.of_lines(0, 6), "fix it")
    service = ExecutionService(ExecutionOptions(store_dir=store))
    report = await cross_check(request, voices, settings.run_options(), execution=service)
    for voice in voices:
        await voice.client.close()  # type: ignore[attr-defined]
    runs = [t.end_s - t.start_s for t in report.timings if t.stage == "execute"]
    critical = max(
        PROPOSE["anthropic"] + JUDGE["openai"],
        PROPOSE["openai"] + JUDGE["anthropic"],
        max(PROPOSE.values()) + max(runs),
    )
    return {
        "wall_s": round(report.wall_s, 3),
        "slowest_test_run_s": round(max(runs), 3),
        "critical_path_s": round(critical, 3),
        "ratio_to_critical_path": round(report.wall_s / critical, 3),
        "label": report.confidence.label,
    }


async def one_run(fake: FakeProviders) -> float:
    env = {**fake.env()}
    settings = Settings.from_env(env)
    voices = settings.voices(env)
    text = FIXTURE.read_text()
    request = CrossCheckRequest(FIXTURE.as_uri(), text, "python", Range.of_lines(0, 6), "fix it")
    report = await cross_check(request, voices, settings.run_options())
    for voice in voices:
        await voice.client.close()  # type: ignore[attr-defined]
    assert len(report.proposals) == 2 and len(report.judgments) == 2, report.failures
    return report.wall_s


def run() -> dict:
    critical = max(PROPOSE["anthropic"] + JUDGE["openai"], PROPOSE["openai"] + JUDGE["anthropic"])
    staged = max(PROPOSE.values()) + max(JUDGE.values())
    with FakeProviders() as fake:
        script(fake)
        asyncio.run(one_run(fake))  # warm-up: imports, connection pools
        walls, calls, rejected = [], [], 0
        for _ in range(RUNS):
            script(fake)
            walls.append(asyncio.run(one_run(fake)))
            calls.append(len(fake.accepted))
            rejected += len(fake.rejected)

        script(fake)
        store = Path(tempfile.mkdtemp())
        asyncio.run(one_run_with_tests(fake, store))  # warm-up: the first snapshot copy
        script(fake)
        with_tests = asyncio.run(one_run_with_tests(fake, store))

        # The same run as a user starts it: a fresh `counterpoint check` process.
        script(fake)
        started = time.monotonic()
        clean = {k: v for k, v in os.environ.items() if not k.endswith(("_API_KEY", "_BASE_URL"))}
        result = subprocess.run(
            [
                sys.executable,
                "-m",
                "counterpoint",
                "check",
                str(FIXTURE),
                "--lines",
                "1-7",
                "--json",
                "--no-execute",  # this figure is start-up and HTTP only
            ],
            env={**clean, **fake.env(), "COUNTERPOINT_CACHE_DIR": tempfile.mkdtemp()},
            capture_output=True,
            text=True,
            check=True,
        )
        process_wall = time.monotonic() - started
    median = statistics.median(walls)
    return {
        "machine": f"{platform.machine()}, {os.cpu_count()} cores,"
        f" Python {platform.python_version()}",
        "latencies_s": {"propose": PROPOSE, "judge_by_provider": JUDGE},
        "critical_path_s": round(critical, 3),
        "staged_path_s": round(staged, 3),
        "pipeline_wall_s": [round(w, 3) for w in walls],
        "pipeline_wall_median_s": round(median, 3),
        "ratio_to_critical_path": round(median / critical, 3),
        "staged_ratio_to_critical_path": round(staged / critical, 3),
        "model_calls_per_run": calls,
        "with_execution": with_tests,
        "cli_import_note": "most of the CLI's startup is importing the two SDKs (about 2 s here)",
        "rejected_calls": rejected,
        "cli_process_wall_s": round(process_wall, 3),
        "cli_startup_and_io_s": round(process_wall - critical, 3),
        "cli_report_ok": '"proposals"' in result.stdout,
    }
