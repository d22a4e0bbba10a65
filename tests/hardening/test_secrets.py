"""API keys never appear in logs, cache files, what is sent to the models, or a test process."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys

from tests.e2e.scripts import ACCEPT, FIXED
from tests.fakes.providers import Reply
from tests.hardening.cases import FIXTURES

ANTHROPIC_KEY = "sk-ant-api03-hardenCanaryA1b2C3d4E5f6G7h8I9j0kLmNoPqRsTuVwXyZ-0123456789AA"
OPENAI_KEY = "sk-proj-hardenCanaryZz9Yy8Xx7Ww6Vv5Uu4Tt3Ss2Rr1Qq0Pp9Oo8Nn7Mm6Ll5Kk4Jj3Ii2"
KEYS = (ANTHROPIC_KEY, OPENAI_KEY)
GITHUB_TOKEN = "ghp_hardenCanary0123456789abcdefghijklmnopq"

# A model-written test that looks for the keys everywhere a test process can look. It carries the
# keys reversed, so neither the prompt redaction nor the output redaction can hide a finding.
PROBE = """
import glob, os

WANTED = [k[::-1] for k in {reversed_keys!r}]


def test_no_key_in_the_environment_or_proc():
    found = [name for name, value in os.environ.items() if value in WANTED]
    for path in ["/proc/self/environ", "/proc/1/environ", *glob.glob("/proc/*/environ")]:
        try:
            data = open(path, "rb").read().decode("utf-8", "replace")
        except OSError:
            continue
        found += [path for key in WANTED if key in data]
    assert found == []
"""


def test_keys_never_leak(fake_providers, tmp_path):
    project = tmp_path / "project"
    shutil.copytree(FIXTURES, project)
    target = project / "windows.py"
    # The user's own file holds a secret from the environment: it is redacted from every prompt.
    target.write_text(f'TOKEN = "{GITHUB_TOKEN}"\n' + target.read_text())
    probe = PROBE.format(reversed_keys=[k[::-1] for k in KEYS])
    fake_providers.default(
        "anthropic",
        "submit_proposal",
        Reply.structured({"code": FIXED, "explanation": "", "tests": [probe]}),
    )
    fake_providers.default(
        "openai",
        "submit_proposal",
        Reply.structured({"code": FIXED, "explanation": "", "tests": []}),
    )
    for provider in ("anthropic", "openai"):
        fake_providers.default(provider, "submit_judgment", Reply.structured(ACCEPT))
    env = {
        **fake_providers.env(),
        "ANTHROPIC_API_KEY": ANTHROPIC_KEY,
        "OPENAI_API_KEY": OPENAI_KEY,
        "GITHUB_TOKEN": GITHUB_TOKEN,
    }
    clean = {k: v for k, v in os.environ.items() if not k.endswith(("_API_KEY", "_BASE_URL"))}
    result = subprocess.run(
        [
            *(sys.executable, "-m", "counterpoint", "--log-level", "debug", "check"),
            *(str(target), "--lines", "1-8", "--json"),
        ],
        env={**clean, "COUNTERPOINT_CACHE_DIR": str(tmp_path / "cache"), **env},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)

    # The keys did reach the fake, where they belong: in the auth headers.
    auth = {r.headers.get("authorization", "") for r in fake_providers.accepted}
    assert auth == {f"Bearer {ANTHROPIC_KEY}", f"Bearer {OPENAI_KEY}"}
    # …and nowhere else.
    bodies = json.dumps([r.body for r in fake_providers.requests])
    assert GITHUB_TOKEN not in bodies and "[REDACTED]" in bodies
    assert report["privacy"]["redacted"] >= 1
    shown = result.stdout
    cache_files = [p for p in (tmp_path / "cache").rglob("*") if p.is_file()]
    assert cache_files, "the run wrote no cache, so the check below would prove nothing"
    for key in KEYS:
        assert key not in bodies
        assert key not in shown
        assert key not in result.stderr
        for path in cache_files:
            assert key.encode() not in path.read_bytes(), path
    assert "DEBUG" in result.stderr  # the logs were at their most verbose
    # The test process found no key in its environment or any /proc/*/environ it could read.
    claude = next(e for e in report["executions"] if e["proposal"] == "claude")
    (probe_result,) = [t for t in claude["tests"] if t["source"] == "claude"]
    assert probe_result["outcome"] == "passed", probe_result
