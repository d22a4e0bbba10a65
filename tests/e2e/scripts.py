"""Scripted model replies shared by the end-to-end tests: one fix, one buggy variant."""

import json
import os
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

from tests.fakes.providers import FakeProviders, Reply

FIXED = '''def window_sums(xs, k):
    """Sums of each window of k consecutive items.

    >>> window_sums([1, 2, 3], 2)
    [3, 5]
    """
    return [sum(xs[i:i + k]) for i in range(len(xs) - k + 1)]
'''

VARIANT = '''def window_sums(xs, k):
    """Sums of each window of k consecutive items.

    >>> window_sums([1, 2, 3], 2)
    [3, 5]
    """
    if k > len(xs):
        return [sum(xs)]
    return [sum(xs[i:i + k]) for i in range(len(xs) - k + 1)]
'''

ACCEPT = {
    "verdict": "correct",
    "confidence": 0.9,
    "summary": "Fixes the range bound.",
    "issues": [],
}
REJECT = {
    "verdict": "incorrect",
    "confidence": 0.85,
    "summary": "Returns a sum when the window is larger than the list.",
    "issues": [
        {
            "start_line": 7,
            "end_line": 8,
            "severity": "error",
            "message": "window_sums([1], 2) should be [], not [1]",
        }
    ],
}


def script_disagreement(fake: FakeProviders, latency: float = 0.0) -> None:
    """Claude fixes the bug; GPT adds a wrong special case. Each judges the other's."""
    fake.script(
        "anthropic",
        "submit_proposal",
        Reply.structured(
            {
                "code": FIXED,
                "explanation": "The range stopped one window early.",
                "tests": [
                    "def test_pairs():\n"
                    "    from windows import window_sums\n"
                    "    assert window_sums([1, 2, 3], 2) == [3, 5]\n"
                ],
            }
        ),
        latency=latency,
    )
    fake.script(
        "openai",
        "submit_proposal",
        Reply.structured(
            {"code": VARIANT, "explanation": "Handle short lists and fix the bound.", "tests": []}
        ),
        latency=latency,
    )
    fake.script("openai", "submit_judgment", Reply.structured(ACCEPT), latency=latency)
    fake.script("anthropic", "submit_judgment", Reply.structured(REJECT), latency=latency)


def script_fix_and_bug(
    fake: FakeProviders,
    claude_code: str,
    gpt_code: str,
    claude_tests: Sequence[str] = (),
    gpt_tests: Sequence[str] = (),
    gpt_edge_cases: Sequence[str] = (),
) -> None:
    """For any language: Claude's and GPT's proposals as given; GPT accepts Claude's, Claude
    rejects GPT's."""
    for provider, code, tests, edge_cases in (
        ("anthropic", claude_code, claude_tests, ()),
        ("openai", gpt_code, gpt_tests, gpt_edge_cases),
    ):
        fake.script(
            provider,
            "submit_proposal",
            Reply.structured(
                {
                    "code": code,
                    "explanation": "",
                    "tests": list(tests),
                    "edge_cases": list(edge_cases),
                }
            ),
        )
    fake.default("openai", "submit_judgment", Reply.structured(ACCEPT))
    fake.default("anthropic", "submit_judgment", Reply.structured(REJECT))


def check_json(fake: FakeProviders, target: Path, lines: str, tmp_path: Path) -> dict:
    """`counterpoint check TARGET --lines LINES --json` against the fake; the parsed report."""
    result = run_check(
        fake.env(),
        str(target),
        "--lines",
        lines,
        "--json",
        "--instruction",
        "fix",
        tmp_path=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def run_check(env: dict[str, str], *args: str, tmp_path: Path) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if not k.endswith(("_API_KEY", "_BASE_URL"))}
    return subprocess.run(
        [sys.executable, "-m", "counterpoint", "check", *args],
        env={**clean, "COUNTERPOINT_CACHE_DIR": str(tmp_path / "cache"), **env},
        capture_output=True,
        text=True,
        timeout=60,
    )
