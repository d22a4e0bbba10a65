"""Hardening cases shared by the tests in this folder and `python -m bench hardening`.

Provider faults run the real SDK clients against the HTTP fake (tests/fakes/providers.py), in
process, with small timeouts and retry counts so that the whole matrix takes seconds.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from counterpoint.config import Settings
from counterpoint.engine.run import cross_check
from counterpoint.model.report import Report
from counterpoint.model.request import CrossCheckRequest, Range
from tests.e2e.scripts import ACCEPT, FIXED, VARIANT
from tests.fakes.providers import FakeProviders, Reply, Responder

FIXTURES = Path(__file__).resolve().parents[1] / "e2e" / "fixtures" / "windows_project"
WINDOWS = FIXTURES / "windows.py"

PROVIDERS = ("anthropic", "openai")
STAGES = ("propose", "judge")
VOICE_OF = {"anthropic": "claude", "openai": "gpt"}
NAME_OF = {"anthropic": "Claude", "openai": "GPT"}
SAYS = {"anthropic": ("Anthropic", "Claude"), "openai": ("OpenAI", "GPT")}  # who failed
# How the SDKs are configured for fault cases: a hang is a timeout after REQUEST_TIMEOUT_S, and
# every retryable error is retried once. 2.5 s, not less: 36 cases run at once, and on a loaded
# 2-core CI machine a 429's answer took over 0.5 s, and later over 1 s, and read as a timeout.
REQUEST_TIMEOUT_S = 2.5
MAX_RETRIES = 1
# No case may take longer than this, retries and backoff included.
CASE_BOUND_S = 12.0


def _fault(stage: str, name: str) -> Reply:
    partial = (
        {"code": "def window_sums(xs, k):\n    return [sum(xs[i:i + k]", "explanation": "The"}
        if stage == "propose"
        else {"verdict": "correct", "confidence": 0.9, "summary": "Looks"}
    )
    return {
        "429 with retry-after": Reply.error(429, retry_after=0.05),
        "500": Reply.error(500),
        "529 overloaded": Reply.error(529),
        "timeout": Reply.hang(30),
        "connection reset": Reply.reset(),
        "malformed JSON body": Reply.malformed(),
        "truncated (max_tokens)": Reply.truncated(partial),
        "refusal": Reply.refusal("I can't help with that."),
        "empty content": Reply.empty(),
    }[name]


FAULTS = (
    "429 with retry-after",
    "500",
    "529 overloaded",
    "timeout",
    "connection reset",
    "malformed JSON body",
    "truncated (max_tokens)",
    "refusal",
    "empty content",
)
EXPECTED_KIND = {
    "429 with retry-after": "rate_limited",
    "500": "server_error",
    "529 overloaded": "overloaded",
    "timeout": "timeout",
    "connection reset": "unreachable",
    "malformed JSON body": "malformed",
    "truncated (max_tokens)": "truncated",
    "refusal": "refusal",
    "empty content": "empty",
}


@dataclass(frozen=True)
class FaultCase:
    provider: str
    stage: str
    fault: str

    @property
    def name(self) -> str:
        return f"{self.provider}-{self.stage}-{self.fault}"


def fault_cases() -> list[FaultCase]:
    return [FaultCase(p, s, f) for p in PROVIDERS for s in STAGES for f in FAULTS]


def script_healthy(fake: FakeProviders) -> None:
    """Both families propose (different code) and accept each other's proposal."""
    fake.default(
        "anthropic",
        "submit_proposal",
        Reply.structured({"code": FIXED, "explanation": "Fix the bound.", "tests": []}),
    )
    fake.default(
        "openai",
        "submit_proposal",
        Reply.structured({"code": VARIANT, "explanation": "Guard and fix.", "tests": []}),
    )
    for provider in PROVIDERS:
        fake.default(provider, "submit_judgment", Reply.structured(ACCEPT))


def fault_settings(fake: FakeProviders) -> tuple[Settings, dict[str, str]]:
    env = fake.env()
    settings = Settings.from_env(env).merged(
        {"requestTimeout": REQUEST_TIMEOUT_S, "maxRetries": MAX_RETRIES, "cache": False}
    )
    return settings, env


def windows_request(instruction: str = "fix the off-by-one") -> CrossCheckRequest:
    return CrossCheckRequest(
        WINDOWS.as_uri(), WINDOWS.read_text(), "python", Range.of_lines(0, 6), instruction
    )


async def run_fault_case(
    fake: FakeProviders, case: FaultCase, tag: str = "x"
) -> tuple[Report, float]:
    """One cross-check with `case.fault` injected on every call of that provider and stage.
    Its voices use models named after `tag`, so that concurrent cases do not meet in the fake
    (see `fault_responder`). Execution is off: faults are about the model calls."""
    env = fake.env()
    settings = Settings.from_env(env).merged(
        {
            "requestTimeout": REQUEST_TIMEOUT_S,
            "maxRetries": MAX_RETRIES,
            "cache": False,
            "claudeModel": f"claude-case-{tag}",
            "gptModel": f"gpt-case-{tag}",
        }
    )
    voices = settings.voices(env)
    started = time.monotonic()
    try:
        report = await cross_check(windows_request(), voices, settings.run_options())
    finally:
        for voice in voices:
            await voice.client.close()  # type: ignore[attr-defined]
    return report, time.monotonic() - started


def fault_responder(cases: dict[str, FaultCase]) -> Responder:
    """Answer by the case its model names: the fault where the case says, else healthily."""
    healthy = {
        ("anthropic", "submit_proposal"): Reply.structured(
            {"code": FIXED, "explanation": "Fix the bound.", "tests": []}
        ),
        ("openai", "submit_proposal"): Reply.structured(
            {"code": VARIANT, "explanation": "Guard and fix.", "tests": []}
        ),
        ("anthropic", "submit_judgment"): Reply.structured(ACCEPT),
        ("openai", "submit_judgment"): Reply.structured(ACCEPT),
    }

    def respond(provider: str, kind: str, body: Any) -> Reply | None:
        case = cases.get(str(body.get("model", "")).split("-case-")[-1])
        stage = "propose" if kind == "submit_proposal" else "judge"
        if case is not None and (case.provider, case.stage) == (provider, stage):
            return _fault(stage, case.fault)
        return healthy.get((provider, kind))

    return respond


async def run_fault_matrix(
    fake: FakeProviders, cases: list[FaultCase] | None = None
) -> dict[FaultCase, tuple[Report, float]]:
    """Every case at once: the matrix takes about as long as its slowest case."""
    cases = fault_cases() if cases is None else cases
    tags = {str(index): case for index, case in enumerate(cases)}
    fake.reset()
    fake.respond_with(fault_responder(tags))
    results = await asyncio.gather(*(run_fault_case(fake, c, tag) for tag, c in tags.items()))
    return dict(zip(cases, results, strict=True))


def fault_problems(case: FaultCase, report: Report, elapsed: float) -> list[str]:
    """What is wrong with a fault case's outcome; empty when it survived as it should."""
    problems: list[str] = []
    voice = VOICE_OF[case.provider]
    other = VOICE_OF["openai" if case.provider == "anthropic" else "anthropic"]
    if elapsed > CASE_BOUND_S:
        problems.append(f"took {elapsed:.1f} s (bound {CASE_BOUND_S:g} s)")
    failures = [f for f in report.failures if f.voice_id == voice and f.stage == case.stage]
    if len(report.failures) != 1 or len(failures) != 1:
        problems.append(f"expected one {voice}/{case.stage} failure, got {report.failures}")
        return problems
    failure = failures[0]
    if failure.kind != EXPECTED_KIND[case.fault]:
        problems.append(f"kind {failure.kind!r}, expected {EXPECTED_KIND[case.fault]!r}")
    message = failure.message
    if (
        not message
        or len(message) > 300
        or "\n" in message
        or "Traceback" in message
        or not any(name in message for name in SAYS[case.provider])
    ):
        problems.append(f"unclear message: {message!r}")
    if report.confidence.label != "not-cross-checked":
        problems.append(f"label {report.confidence.label!r}, expected 'not-cross-checked'")
    ids = [p.id for p in report.proposals]
    if case.stage == "propose":
        if ids != [other]:
            problems.append(f"proposals {ids}, expected only {other}'s")
        elif not report.is_cross_checked(other):
            problems.append(f"{other}'s proposal should still be judged by {voice}'s family")
    else:
        if ids != ["claude", "gpt"]:
            problems.append(f"proposals {ids}, expected both")
        if report.is_cross_checked(other):
            problems.append(f"{other}'s proposal is labelled cross-checked but its judge failed")
        if not report.is_cross_checked(voice):
            problems.append(f"{voice}'s proposal should still be judged")
    if report.recommended is not None and not report.is_cross_checked(report.recommended):
        problems.append(f"recommended {report.recommended!r}, which no judge checked")
    return problems
