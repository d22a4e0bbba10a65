"""`counterpoint demo` as a newcomer runs it: no keys, no network, the recorded replies answered
by the built-in replay server through the real SDK clients, and the real sandbox and report."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

COUNTERPOINT = Path(sys.executable).with_name("counterpoint")  # the installed entry point
BUBBLEWRAP = shutil.which("bwrap") is not None
FAILING = "tests/test_billing.py::test_half_a_cent_rounds_up"
# Real-looking values a user may have set: the demo must read none of them.
BOGUS_ANTHROPIC_KEY = "sk-ant-api03-" + "Q7vXk2LpR9" * 9 + "-AAAA"
BOGUS_OPENAI_KEY = "sk-proj-" + "Zr4TnW8yBc" * 15
USERS_ENVIRONMENT = {
    "ANTHROPIC_API_KEY": BOGUS_ANTHROPIC_KEY,
    "OPENAI_API_KEY": BOGUS_OPENAI_KEY,
    # Port 9 (discard): nothing listens there, so a call sent there fails at once.
    "ANTHROPIC_BASE_URL": "http://127.0.0.1:9",
    "OPENAI_BASE_URL": "http://127.0.0.1:9/v1",
    "COUNTERPOINT_CLAUDE_MODEL": "claude-some-other-model",
    "COUNTERPOINT_GPT_MODEL": "gpt-some-other-model",
    "COUNTERPOINT_EXECUTE": "0",
}


def run_demo(tmp_path: Path, *args: str, env: dict[str, str] | None = None):
    clean = {
        k: v
        for k, v in os.environ.items()
        if not k.endswith(("_API_KEY", "_BASE_URL")) and not k.startswith("COUNTERPOINT_")
    }
    return subprocess.run(
        [str(COUNTERPOINT), "demo", *args],
        env={**clean, **(env or {})},
        cwd=tmp_path,  # outside the repository
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_the_demo_runs_with_no_keys_and_says_its_replies_are_recorded(tmp_path):
    result = run_demo(tmp_path)

    assert result.returncode == 0, result.stderr
    lines = result.stdout.rstrip("\n").splitlines()
    assert "replies are recorded" in lines[0]
    assert "Confidence: verified-one" in result.stdout
    assert "Recommended: Claude" in result.stdout
    assert "They behave differently on prorate(25, 1, 2): Claude → 13, GPT → 12." in result.stdout
    assert "Claude judges GPT's proposal incorrect (90%)" in result.stdout
    assert f"FAIL {FAILING}: assert 12 == 13" in result.stdout
    # It ends with how to use real keys.
    ending = "\n".join(lines[-4:])
    assert "recorded" in lines[-4]
    assert "export ANTHROPIC_API_KEY=… OPENAI_API_KEY=…" in ending
    assert lines[-1].strip().startswith("counterpoint check ")
    if BUBBLEWRAP:  # the sandbox ran the tests: the original, and both proposals
        assert "Original: 1/1 doctest, 1/3 workspace tests" in result.stdout
        assert "Claude: 2/2 own, 1/1 doctest, 2/2 GPT's, 3/3 workspace tests" in result.stdout
        assert "GPT: 0/2 Claude's, 1/1 doctest, 2/2 own, 2/3 workspace tests" in result.stdout


def test_the_demo_reads_no_key_endpoint_or_setting_of_the_users(tmp_path):
    result = run_demo(tmp_path, "--json", env=USERS_ENVIRONMENT)

    # A real key sent to the replay server is refused, and a call to the user's base URL
    # fails: either would end the demo with an error instead of this report.
    assert result.returncode == 0, result.stderr
    assert "replies are recorded" in result.stderr.splitlines()[0]
    report = json.loads(result.stdout)
    assert report["demo"]["recorded_replies"] is True
    assert report["failures"] == []
    assert report["confidence"]["label"] == "verified-one"
    assert report["recommended"] == "claude"
    assert [p["model"] for p in report["proposals"]] == ["claude-opus-5-5", "gpt-6.2-sol"]
    assert report["cost"]["request_usd"] == 0
    for secret in (BOGUS_ANTHROPIC_KEY, BOGUS_OPENAI_KEY):
        assert secret not in result.stdout and secret not in result.stderr
    runs = {run["proposal"]: run for run in report["executions"]}
    if BUBBLEWRAP:  # COUNTERPOINT_EXECUTE=0 is the user's, not the demo's: the tests ran
        assert {name: run["status"] for name, run in runs.items()} == {
            "original": "ran",
            "claude": "ran",
            "gpt": "ran",
        }
        failing = [t["id"] for t in runs["gpt"]["tests"] if t["outcome"] == "failed"]
        assert FAILING in failing
        assert runs["claude"]["failed"] == 0
    assert "export ANTHROPIC_API_KEY" in result.stderr.splitlines()[-2]
