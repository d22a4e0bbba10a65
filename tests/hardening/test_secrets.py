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
    assert GITHUB_TOKEN not in bodies and "REDACTED-environment-1" in bodies
    assert report["privacy"]["redacted"] == {"environment": 1}
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


# Made up to match detect-secrets' shapes (and ours for Google); none is a real credential.
PLANTED = {
    "aws-access-key": "AKIAZ7Q3XK4PLM2WN8RT",
    "aws-secret-key": "q9Zr4Tn2Wx8Lm5Vb7Kc1Hj3Gf6Ds0Ap2Yu4Ei8Ow",
    "github-token": "ghp_Q7w2E9r4T1y6U3i8O5p0A2s7D4f9G1h6J3k8",
    "slack-token": "xoxb-2048123456-4096123456789-Zx8Cv7Bn6Mq5Wr4Et3Yu2Ip",
    "stripe-key": "sk_live_4eC39HqLyjWDarjtT1zdp7dc",
    "google-api-key": "AIzaSyD3mQ8xV2kL9pR7tW4nB6cF1hJ5gZ0aE-s",
    "basic-auth": "s3cr3t-dsn-pw",
    "environment": "cred-value-from-the-environment-42",
}
RSA_BODY = "MIIEowIBAAKCAQEA3Tz2mr7SZiAMfQyuvBjM9Oi0Z5eQW8fzKbqSDW5wZ1Zc+ABC"
SSH_BODY = "b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW"
LEAKY_SETTINGS = f'''AWS_ACCESS_KEY_ID = "{PLANTED["aws-access-key"]}"
aws_secret_access_key = "{PLANTED["aws-secret-key"]}"
GITHUB = "{PLANTED["github-token"]}"
SLACK = "{PLANTED["slack-token"]}"
STRIPE = "{PLANTED["stripe-key"]}"
GOOGLE = "{PLANTED["google-api-key"]}"
DSN = "postgres://app:{PLANTED["basic-auth"]}@db.internal/app"
CREDENTIAL = "{PLANTED["environment"]}"
RSA = """-----BEGIN RSA PRIVATE KEY-----
{RSA_BODY}
-----END RSA PRIVATE KEY-----
"""
SSH = """-----BEGIN OPENSSH PRIVATE KEY-----
{SSH_BODY}
-----END OPENSSH PRIVATE KEY-----
"""
'''
# A model-written test that fails with the workspace's secrets in its message and its output:
# the sandboxed file still holds them, so only the report's redaction keeps them out.
SPILL = """
import pathlib


def test_spill_the_settings():
    text = pathlib.Path("leaky_settings.py").read_text()
    print(text)
    assert False, text
"""


def test_detected_secrets_in_the_selection_reach_no_model_and_no_report(fake_providers, tmp_path):
    project = tmp_path / "project"
    shutil.copytree(FIXTURES, project)
    (project / "leaky_settings.py").write_text(LEAKY_SETTINGS)
    target = project / "windows.py"
    target.write_text(LEAKY_SETTINGS + target.read_text())
    selected = LEAKY_SETTINGS.count("\n") + 7  # the secrets and window_sums
    fake_providers.default(
        "anthropic",
        "submit_proposal",
        Reply.structured({"code": FIXED, "explanation": "", "tests": [SPILL]}),
    )
    fake_providers.default(
        "openai",
        "submit_proposal",
        Reply.structured({"code": FIXED, "explanation": "", "tests": []}),
    )
    for provider in ("anthropic", "openai"):
        fake_providers.default(provider, "submit_judgment", Reply.structured(ACCEPT))
    clean = {k: v for k, v in os.environ.items() if not k.endswith(("_API_KEY", "_BASE_URL"))}
    env = {
        **clean,
        **fake_providers.env(),
        "COUNTERPOINT_CACHE_DIR": str(tmp_path / "cache"),
        "MY_CREDENTIAL": PLANTED["environment"],
    }
    result = subprocess.run(
        [
            *(sys.executable, "-m", "counterpoint", "--log-level", "debug", "check"),
            *(str(target), "--lines", f"1-{selected}", "--json"),
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)

    bodies = json.dumps([r.body for r in fake_providers.requests])
    assert len(fake_providers.accepted) == 4, "two proposals and two judgments were asked for"
    secrets = [*PLANTED.values(), RSA_BODY, SSH_BODY, "BEGIN RSA PRIVATE KEY"]
    for secret in secrets:
        assert secret not in bodies, secret
        assert secret not in result.stdout, secret
        assert secret not in result.stderr, secret
    # The snapshot is the user's workspace copied for the tests to run in: it holds the file as
    # it is. Everything else under the cache (replies, test results) must not.
    stored = [
        p
        for p in (tmp_path / "cache").rglob("*")
        if p.is_file() and "snapshots" not in p.relative_to(tmp_path).parts
    ]
    assert any(p.name == "cache.db" for p in stored), stored
    for path in stored:
        for secret in secrets:
            assert secret.encode() not in path.read_bytes(), (path, secret)
    # Each secret went as a placeholder that keeps its string a string.
    for kind in PLANTED:
        assert f"REDACTED-{kind}-1" in bodies, kind
    assert 'RSA = \\"\\"\\"REDACTED-private-key-1\\n' in bodies
    assert report["privacy"]["redacted"] == {**dict.fromkeys(PLANTED, 1), "private-key": 2}
    assert report["privacy"]["redacted_total"] == len(PLANTED) + 2
    # The spilling test did run and print, so the report's redaction was put to the test.
    claude = next(e for e in report["executions"] if e["proposal"] == "claude")
    (spilled,) = [t for t in claude["tests"] if t["source"] == "claude"]
    assert spilled["outcome"] == "failed", spilled
    assert "REDACTED-github-token-1" in spilled["message"] + claude["output_tail"]
