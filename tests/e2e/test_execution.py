"""Execution in the sandbox, through `counterpoint check`: hostile proposals are contained."""

import ast
import hashlib
import json
from pathlib import Path

from tests.e2e.scripts import ACCEPT, FIXED
from tests.e2e.test_cli import FIXTURE, run_check
from tests.fakes.providers import Reply

PROJECT = FIXTURE.parent

ENDLESS = FIXED.replace("    return [sum(", "    while True:\n        pass\n    return [sum(")

SNOOPING_TEST = """
import os, socket

def test_no_secrets_reach_the_sandbox():
    leaked = [k for k in os.environ if any(t in k for t in ("KEY", "TOKEN", "SECRET"))]
    assert leaked == []

def test_home_and_tmp_are_inside_the_sandbox():
    assert os.environ["HOME"].endswith("/home") and "execution/runs" in os.environ["HOME"]
    assert "execution/runs" in os.environ["TMPDIR"]

def test_no_network():
    with socket.socket() as s:
        s.settimeout(2)
        assert s.connect_ex(("127.0.0.1", {port})) != 0
"""


def propose(fake, claude_code, gpt_code, claude_tests=(), gpt_tests=()):
    fake.script(
        "anthropic",
        "submit_proposal",
        Reply.structured({"code": claude_code, "explanation": "", "tests": list(claude_tests)}),
    )
    fake.script(
        "openai",
        "submit_proposal",
        Reply.structured({"code": gpt_code, "explanation": "", "tests": list(gpt_tests)}),
    )
    fake.default("openai", "submit_judgment", Reply.structured(ACCEPT))
    fake.default("anthropic", "submit_judgment", Reply.structured(ACCEPT))


def tree_digest(root: Path) -> str:
    digest = hashlib.sha256()
    for path in sorted(root.rglob("*")):
        if path.is_file():
            stat = path.stat()
            digest.update(f"{path.relative_to(root)}|{stat.st_mtime_ns}|".encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()


def test_a_proposal_that_never_terminates_is_killed_and_reported(fake_providers, tmp_path):
    propose(fake_providers, FIXED, ENDLESS)
    env = {**fake_providers.env(), "COUNTERPOINT_TEST_TIMEOUT": "1"}
    result = run_check(env, str(FIXTURE), "--lines", "1-7", "--json", tmp_path=tmp_path)
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    gpt = next(e for e in report["executions"] if e["proposal"] == "gpt")
    timed_out = [t for t in gpt["tests"] if "timed out after 1 s" in t["message"]]
    assert len(timed_out) == gpt["failed"] == 4
    assert report["recommended"] == "claude"
    assert report["confidence"]["label"] == "verified-one"


def test_an_endless_import_is_killed_at_the_run_timeout(fake_providers, tmp_path):
    endless_import = "while True:\n    pass\n" + FIXED
    propose(fake_providers, FIXED, endless_import)
    env = {**fake_providers.env(), "COUNTERPOINT_RUN_TIMEOUT": "4"}
    result = run_check(env, str(FIXTURE), "--lines", "1-7", "--json", tmp_path=tmp_path)
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    gpt = next(e for e in report["executions"] if e["proposal"] == "gpt")
    assert gpt["status"] == "timed_out"
    assert "timed out after 4 s and was killed" in gpt["message"]
    assert report["recommended"] == "claude"


def test_proposals_find_no_keys_no_home_and_no_network(fake_providers, tmp_path):
    snoop = SNOOPING_TEST.replace("{port}", str(fake_providers.port))
    propose(fake_providers, FIXED, FIXED, claude_tests=[snoop])
    env = {**fake_providers.env(), "GITHUB_TOKEN": "ghp_should_not_leak"}
    result = run_check(env, str(FIXTURE), "--lines", "1-7", "--json", tmp_path=tmp_path)
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    claude = next(e for e in report["executions"] if e["proposal"] == "claude")
    snooped = {t["id"].rsplit("::", 1)[1]: t for t in claude["tests"] if t["source"] == "claude"}
    assert snooped["test_no_secrets_reach_the_sandbox"]["outcome"] == "passed"
    assert snooped["test_home_and_tmp_are_inside_the_sandbox"]["outcome"] == "passed"
    isolation = report["execution"]["isolation"]
    if isolation["network"].startswith("none"):
        assert snooped["test_no_network"]["outcome"] == "passed"
    assert "ghp_should_not_leak" not in result.stdout


def test_the_users_workspace_is_byte_identical_afterwards(fake_providers, tmp_path):
    before = tree_digest(PROJECT)
    writer = FIXED + "\nopen(__file__, 'w').write('# clobbered\\n')\n"
    propose(fake_providers, FIXED, writer)
    result = run_check(
        fake_providers.env(), str(FIXTURE), "--lines", "1-7", "--json", tmp_path=tmp_path
    )
    assert result.returncode == 0, result.stderr
    assert tree_digest(PROJECT) == before
    assert not list(PROJECT.rglob("__pycache__")) and not list(PROJECT.rglob(".pytest_cache"))


def test_no_tests_found_is_said_plainly(fake_providers, tmp_path):
    lonely = tmp_path / "lonely"
    lonely.mkdir()
    (lonely / "pyproject.toml").write_text("[project]\nname = 'lonely'\nversion = '0'\n")
    source = lonely / "shout.py"
    source.write_text("def shout(s):\n    return s.upper()\n")
    shout = "def shout(s):\n    return s.upper() + '!'\n"
    propose(fake_providers, shout, shout)
    result = run_check(
        fake_providers.env(), str(source), "--lines", "1-2", "--json", tmp_path=tmp_path
    )
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    runs = {e["proposal"]: e for e in report["executions"]}
    assert runs["original"]["status"] == "skipped"
    assert runs["original"]["message"] == "no tests found"
    # The proposals still run the behaviour probe, and say that no test ran.
    for voice in ("claude", "gpt"):
        assert runs[voice]["tests"] == [] and runs[voice]["behaviour"], runs[voice]
        assert runs[voice]["message"] == "no tests found: only the behaviour probe ran"
    assert "no workspace tests reference shout" in report["execution"]["notes"]
    assert report["confidence"]["label"] == "unverified"


def test_an_untyped_off_by_one_with_no_tests_examples_or_hints_gets_a_counterexample(
    fake_providers, tmp_path
):
    """Nothing shows what the function takes: Hypothesis' general small values find where the
    two versions differ, and the smallest such input is reported, without denying agreement
    on its own (no example backs it)."""
    lonely = tmp_path / "lonely"
    lonely.mkdir()
    (lonely / "pyproject.toml").write_text("[project]\nname = 'lonely'\nversion = '0'\n")
    source = lonely / "spans.py"
    source.write_text("def span_total(low, high):\n    pass\n")
    inclusive = "def span_total(low, high):\n    return sum(range(low, high + 1))\n"
    exclusive = "def span_total(low, high):\n    return sum(range(low, high))\n"
    propose(fake_providers, inclusive, exclusive)
    result = run_check(
        fake_providers.env(), str(source), "--lines", "1-2", "--json", tmp_path=tmp_path
    )
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    behaviour = report["execution"]["behaviour"]
    assert behaviour["by_origin"].keys() == {"general"}, behaviour
    first = behaviour["differences"][0]
    assert first["origin"] == "general"
    low, high = ast.literal_eval(first["call"].removeprefix("span_total"))
    # What each version really returns on that input, not merely "something differs".
    assert first["outcomes"] == {
        "claude": str(sum(range(low, high + 1))),
        "gpt": str(sum(range(low, high))),
    }
    # Shrunk in the sandbox from the input Hypothesis first found to one of the simplest
    # that separate the versions: (0, 1), (1, 1) or (-1, -1).
    assert first["shrunk_from"] != first["call"], first
    assert abs(low) + abs(high) <= 2, first
    (region,) = report["disagreements"]
    assert region["counterexample"].startswith(f"{first['call']}: Claude → ")
    assert report["confidence"]["label"] == "unverified"
    assert any("examples give no guidance" in r for r in report["confidence"]["reasons"])


ZERO_GUARD = FIXED.replace(
    "    return [sum(", "    if k <= 0:\n        return []\n    return [sum("
)


def test_a_behavioural_difference_no_test_decides_is_disputed_with_a_counterexample(
    fake_providers, tmp_path
):
    # Both pass every workspace test and doctest; they differ only when k is 0.
    fake_providers.script(
        "anthropic",
        "submit_proposal",
        Reply.structured({"code": FIXED, "explanation": "", "tests": [], "edge_cases": []}),
    )
    fake_providers.script(
        "openai",
        "submit_proposal",
        Reply.structured(
            {
                "code": ZERO_GUARD,
                "explanation": "",
                "tests": [],
                "edge_cases": ["window_sums([1, 2], 0)"],
            }
        ),
    )
    fake_providers.default("openai", "submit_judgment", Reply.structured(ACCEPT))
    fake_providers.default("anthropic", "submit_judgment", Reply.structured(ACCEPT))
    result = run_check(
        fake_providers.env(), str(FIXTURE), "--lines", "1-7", "--json", tmp_path=tmp_path
    )
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["confidence"]["label"] == "disputed"
    assert report["recommended"] is None
    (region,) = report["disagreements"]
    assert region["counterexample"] == "window_sums([1, 2], 0): Claude → [0, 0, 0], GPT → []"
    # The region is the two inserted lines of GPT's version, not the whole function.
    assert region["versions"]["gpt"] == {"start_line": 7, "end_line": 8}
    assert "if k <= 0:" in region["texts"]["gpt"]
    assert report["range"]["start"]["line"] <= region["range"]["start"]["line"]
