"""`counterpoint check --expect`: the user's expectations run as tests of every proposal and
decide a dispute no test decided (issue 18's "`check --expect` decides a dispute from the CLI")."""

import json
from pathlib import Path

from tests.e2e.scripts import ACCEPT, run_check
from tests.fakes.providers import Reply

ORIGINAL = '''def count_up_to(n):
    """The numbers from 1 up to n."""
    return list(range(n - 1))
'''
CLAUDE = '''def count_up_to(n):
    """The numbers from 1 up to n."""
    return list(range(1, n + 1))
'''
GPT = '''def count_up_to(n):
    """The numbers from 1 up to n."""
    return list(range(n))
'''
# Passes on both proposals: it does not decide between them.
WORKSPACE_TEST = (
    "from counting import count_up_to\n\n\ndef test_none():\n    assert count_up_to(0) == []\n"
)


def off_by_one_project(tmp_path: Path) -> Path:
    project = tmp_path / "project"
    (project / "tests").mkdir(parents=True)
    (project / "pyproject.toml").write_text("[project]\nname = 'counting'\n")
    (project / "counting.py").write_text(ORIGINAL)
    (project / "tests" / "test_counting.py").write_text(WORKSPACE_TEST)
    return project / "counting.py"


def script_off_by_one_dispute(fake) -> None:
    """Each family fixes the bound its own way and accepts the other's; GPT's edge case is the
    call on which they differ."""
    for provider, code, edge_cases in (
        ("anthropic", CLAUDE, []),
        ("openai", GPT, ["count_up_to(3)"]),
    ):
        fake.default(
            provider,
            "submit_proposal",
            Reply.structured(
                {"code": code, "explanation": "", "tests": [], "edge_cases": edge_cases}
            ),
        )
        fake.default(provider, "submit_judgment", Reply.structured(ACCEPT))


def check(fake, target: Path, tmp_path: Path, *more: str) -> dict:
    lines = () if "--lines" in more else ("--lines", "1-3")
    result = run_check(fake.env(), str(target), *lines, "--json", *more, tmp_path=tmp_path)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_check_expect_decides_a_dispute_from_the_cli(fake_providers, tmp_path):
    target = off_by_one_project(tmp_path)
    script_off_by_one_dispute(fake_providers)

    disputed = check(fake_providers, target, tmp_path)
    assert disputed["confidence"]["label"] == "disputed"
    assert disputed["recommended"] is None
    (region,) = disputed["disagreements"]
    assert region["question"] == {
        "call": "count_up_to(3)",
        "results": {"claude": "[1, 2, 3]", "gpt": "[0, 1, 2]"},
        "origin": "example",
    }

    decided = check(fake_providers, target, tmp_path, "--expect", "count_up_to(3) == [1, 2, 3]")
    assert decided["confidence"]["label"] == "verified-one"
    assert decided["recommended"] == "claude"
    reasons = decided["confidence"]["reasons"]
    assert reasons[0].startswith("Claude's proposal passes every expectation you gave; GPT's fails")
    # One expectation decided it, and the reasons say so.
    assert reasons[1].startswith("this rests on one test (") and "test_expected_1" in reasons[1]
    by_proposal = {e["proposal"]: e for e in decided["executions"]}
    assert by_proposal["claude"]["by_source"]["expected"]["passed"] == 1
    assert by_proposal["gpt"]["by_source"]["expected"]["failed"] == 1
    (failing,) = [t for t in by_proposal["gpt"]["tests"] if t["source"] == "expected"]
    assert "test_expected_1_count_up_to_3" in failing["id"]
    assert "[0, 1, 2] == [1, 2, 3]" in failing["message"]
    # The original did not run the expectations: only the proposals are asked to meet them.
    assert "expected" not in by_proposal["original"]["by_source"]


def test_an_expectation_both_proposals_fail_recommends_neither(fake_providers, tmp_path):
    target = off_by_one_project(tmp_path)
    script_off_by_one_dispute(fake_providers)
    report = check(fake_providers, target, tmp_path, "--expect", "count_up_to(2) == [2, 1]")
    assert report["confidence"]["label"] == "both-fail"
    assert report["recommended"] is None


def test_expect_with_no_execute_is_a_usage_error(fake_providers, tmp_path):
    target = off_by_one_project(tmp_path)
    result = run_check(
        fake_providers.env(),
        str(target),
        "--lines",
        "1-3",
        "--no-execute",
        "--expect",
        "count_up_to(1) == [1]",
        "--json",
        tmp_path=tmp_path,
    )
    assert result.returncode == 2, result.stderr
    assert json.loads(result.stdout)["error"]["kind"] == "usage"


def test_a_javascript_expectation_runs_under_node_test_and_is_compared_deeply(
    fake_providers, tmp_path
):
    from tests.e2e.test_languages_js import FIXED, TARGET, WRONG

    for provider, code in (("anthropic", FIXED), ("openai", WRONG)):
        fake_providers.default(
            provider,
            "submit_proposal",
            Reply.structured({"code": code, "explanation": "", "tests": [], "edge_cases": []}),
        )
        fake_providers.default(provider, "submit_judgment", Reply.structured(ACCEPT))
    report = check(
        fake_providers, TARGET, tmp_path, "--lines", "1-8", "--expect", "windowSums([1], 3) == []"
    )
    runs = {e["proposal"]: e for e in report["executions"]}
    (claude,) = [t for t in runs["claude"]["tests"] if t["source"] == "expected"]
    (gpt,) = [t for t in runs["gpt"]["tests"] if t["source"] == "expected"]
    assert claude["id"].endswith("::expected: windowSums([1], 3) == []")
    assert (claude["outcome"], gpt["outcome"]) == ("passed", "failed")
    assert report["recommended"] == "claude"
