"""`counterpoint check` as a user runs it, against the strict HTTP fake of both APIs."""

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest

from counterpoint.model.request import MAX_DOCUMENT_CHARS
from tests.e2e.scripts import FIXED, VARIANT, run_check, script_disagreement
from tests.fakes.providers import Reply

FIXTURE = Path(__file__).parent / "fixtures" / "windows_project" / "windows.py"


def test_check_json_makes_four_accepted_calls_and_a_full_report(fake_providers, tmp_path):
    script_disagreement(fake_providers)
    result = run_check(
        fake_providers.env(),
        str(FIXTURE),
        "--lines",
        "1-7",
        "--instruction",
        "fix the off-by-one",
        "--json",
        tmp_path=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)

    assert [
        (r.provider, r.kind, r.status) for r in fake_providers.requests
    ] and not fake_providers.rejected
    assert sorted((r.provider, r.kind) for r in fake_providers.accepted) == [
        ("anthropic", "submit_judgment"),
        ("anthropic", "submit_proposal"),
        ("openai", "submit_judgment"),
        ("openai", "submit_proposal"),
    ]
    assert [(p["id"], p["provider"]) for p in report["proposals"]] == [
        ("claude", "anthropic"),
        ("gpt", "openai"),
    ]
    assert [p["code"] for p in report["proposals"]] == [FIXED, VARIANT]
    assert all(p["usage"]["input_tokens"] > 0 for p in report["proposals"])
    # Both calls streamed: each records when its first output arrived, within the call.
    for call in report["proposals"] + report["judgments"]:
        assert 0 < call["first_token_s"] <= call["elapsed_s"]
    assert all(r.body["stream"] is True for r in fake_providers.accepted)
    assert sorted((j["judge"], j["target"], j["verdict"]) for j in report["judgments"]) == [
        ("claude", "gpt", "incorrect"),
        ("gpt", "claude", "correct"),
    ]
    rejected = next(j for j in report["judgments"] if j["verdict"] == "incorrect")
    assert rejected["issues"][0]["start_line"] == 7
    assert report["confidence"]["label"] == "verified-one"
    assert report["recommended"] == "claude"
    # They differ only where GPT inserts its special case, before line 7; both fix the bound.
    (region,) = report["disagreements"]
    assert region["range"] == {
        "start": {"line": 6, "character": 0},
        "end": {"line": 7, "character": 0},
    }
    assert region["versions"]["gpt"] == {"start_line": 7, "end_line": 8}
    assert region["texts"]["gpt"] == "    if k > len(xs):\n        return [sum(xs)]\n"
    assert region["texts"]["claude"] == ""
    assert region["summary"].startswith("Claude and GPT write these lines differently.")
    assert "They behave differently on window_sums([1], 2)" in region["summary"]
    assert "window_sums([1], 2) should be []" in region["comments"][0]


def test_execution_names_the_buggy_proposals_failing_test_and_recommends_the_correct_one(
    fake_providers, tmp_path
):
    script_disagreement(fake_providers)
    result = run_check(
        fake_providers.env(), str(FIXTURE), "--lines", "1-7", "--json", tmp_path=tmp_path
    )
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    runs = {e["proposal"]: e for e in report["executions"]}
    assert set(runs) == {"original", "claude", "gpt"}
    assert all(run["status"] == "ran" for run in runs.values())

    larger = "tests/test_windows.py::test_window_larger_than_list_has_no_sums"
    assert runs["gpt"]["regressions"] == [larger]
    (gpt_failure,) = [t for t in runs["gpt"]["tests"] if t["outcome"] == "failed"]
    assert gpt_failure["id"] == larger and "assert [1] == []" in gpt_failure["message"]
    assert runs["claude"]["failed"] == 0 and runs["claude"]["regressions"] == []
    assert runs["claude"]["by_source"]["workspace"] == {
        "passed": 3,
        "failed": 0,
        "errors": 0,
        "skipped": 0,
        "total": 3,
    }
    # Claude's own test ran against both proposals: the dual-agreement matrix.
    assert runs["claude"]["by_source"]["claude"]["passed"] == 1
    assert runs["gpt"]["by_source"]["claude"]["passed"] == 1
    # The baseline shows what the original already failed, so it is not blamed on a proposal.
    assert runs["original"]["failed"] == 3 and runs["original"]["passed"] == 1
    assert sorted(runs["claude"]["fixed"]) == [
        "tests/test_windows.py::test_pairs",
        "tests/test_windows.py::test_whole_list_is_one_window",
        "windows.py::windows.window_sums",
    ]

    # Only the tests that reference window_sums ran, not test_stats.py.
    selection = report["execution"]["selection"]
    assert selection["suite_size"] == 6
    assert selection["tests"] == [
        "tests/test_windows.py::test_pairs",
        "tests/test_windows.py::test_whole_list_is_one_window",
        larger,
    ]
    assert not any("test_stats" in t["id"] for run in runs.values() for t in run["tests"])


def test_prompts_carry_the_selection_and_context_but_not_the_whole_file(fake_providers, tmp_path):
    script_disagreement(fake_providers)
    result = run_check(
        fake_providers.env(), str(FIXTURE), "--lines", "1-7", "--json", tmp_path=tmp_path
    )
    assert result.returncode == 0, result.stderr
    proposal = next(
        r
        for r in fake_providers.accepted
        if r.kind == "submit_proposal" and r.provider == "anthropic"
    )
    prompt = proposal.body["messages"][0]["content"]
    assert "range(len(xs) - k)" in prompt
    assert "this line stays as it is" not in prompt
    assert "Review this code" in prompt  # no instruction means review


def test_text_output_names_the_verdict_and_recommendation(fake_providers, tmp_path):
    script_disagreement(fake_providers)
    result = run_check(fake_providers.env(), str(FIXTURE), "--lines", "1-7", tmp_path=tmp_path)
    assert result.returncode == 0, result.stderr
    assert (
        "Verified: Claude's proposal passes all 5 tests; GPT's breaks "
        "test_window_larger_than_list_has_no_sums, which the original passes."
    ) in result.stdout
    assert "Confidence: verified-one" in result.stdout  # the id `--fail-on` takes
    assert "Recommended: Claude's proposal" in result.stdout
    assert "Claude judges GPT's proposal incorrect (85%)" in result.stdout
    assert "GPT: 1/1 Claude's, 1/1 doctest, 2/3 workspace tests" in result.stdout
    assert "FAIL tests/test_windows.py::test_window_larger_than_list_has_no_sums" in result.stdout


def test_one_provider_down_still_returns_the_other_proposal_not_cross_checked(
    fake_providers, tmp_path
):
    script_disagreement(fake_providers)
    fake_providers.reset()
    fake_providers.default("openai", "submit_proposal", Reply.error(500, "upstream failure"))
    fake_providers.default("openai", "submit_judgment", Reply.error(500, "upstream failure"))
    fake_providers.script(
        "anthropic",
        "submit_proposal",
        Reply.structured({"code": FIXED, "explanation": "", "tests": []}),
    )
    env = {**fake_providers.env(), "COUNTERPOINT_REQUEST_TIMEOUT": "5"}
    result = run_check(env, str(FIXTURE), "--lines", "1-7", "--json", tmp_path=tmp_path)
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert [p["id"] for p in report["proposals"]] == ["claude"]
    assert report["proposals"][0]["cross_checked"] is False
    assert report["confidence"]["label"] == "not-cross-checked"
    assert {(f["voice"], f["stage"], f["kind"]) for f in report["failures"]} == {
        ("gpt", "propose", "server_error"),
        ("gpt", "judge", "server_error"),
    }


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["missing.py", "--lines", "1-2"], "no such file"),
        ([str(FIXTURE), "--lines", "5-99"], "out of range"),
        ([str(FIXTURE), "--lines", "two"], "--lines wants START-END"),
    ],
)
def test_bad_input_exits_nonzero_with_one_line(fake_providers, tmp_path, args, message):
    result = run_check(fake_providers.env(), *args, tmp_path=tmp_path)
    assert result.returncode == 2
    assert message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert fake_providers.requests == []


def test_no_keys_configured_is_a_one_line_error(tmp_path):
    result = run_check({}, str(FIXTURE), "--lines", "1-7", tmp_path=tmp_path)
    assert result.returncode == 2
    assert "ANTHROPIC_API_KEY" in result.stderr and "OPENAI_API_KEY" in result.stderr


def test_unsupported_language_is_a_clear_error(fake_providers, tmp_path):
    other = tmp_path / "notes.txt"
    other.write_text("hello\n")
    result = run_check(fake_providers.env(), str(other), "--lines", "1-1", tmp_path=tmp_path)
    assert result.returncode == 2
    assert "unsupported language" in result.stderr


def test_version():
    result = subprocess.run(
        [sys.executable, "-m", "counterpoint", "--version"], capture_output=True, text=True
    )
    assert result.stdout.startswith("counterpoint 0.")


def test_a_repeated_check_with_the_same_cache_makes_no_model_call(fake_providers, tmp_path):
    script_disagreement(fake_providers)
    env = {**fake_providers.env(), "COUNTERPOINT_PRICES": '{"gpt-6.2-sol": [2, 8]}'}
    first = run_check(env, str(FIXTURE), "--lines", "1-7", "--json", tmp_path=tmp_path)
    assert first.returncode == 0, first.stderr
    fake_providers.reset()
    second = run_check(env, str(FIXTURE), "--lines", "1-7", "--json", tmp_path=tmp_path)
    assert second.returncode == 0, second.stderr
    assert fake_providers.requests == []
    before, after = json.loads(first.stdout), json.loads(second.stdout)
    assert before["cost"]["request_usd"] > 0
    assert after["cost"] == {**before["cost"], "request_usd": 0.0, "cached_calls": 4}
    assert after["usage"] == before["usage"] and after["usage"]["input_tokens"] > 0
    assert all(p["cached"] for p in after["proposals"])
    assert all(p["first_token_s"] is None for p in after["proposals"] + after["judgments"])
    assert after["recommended"] == before["recommended"] == "claude"


def test_a_cost_cap_stops_calls_before_they_could_exceed_it(fake_providers, tmp_path):
    script_disagreement(fake_providers)
    env = {
        **fake_providers.env(),
        "COUNTERPOINT_PRICES": '{"gpt-6.2-sol": [2, 8]}',
        "COUNTERPOINT_MAX_COST": "0.01",
    }
    result = run_check(env, str(FIXTURE), "--lines", "1-7", "--json", tmp_path=tmp_path)
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    budget = [f for f in report["failures"] if f["kind"] == "budget"]
    assert budget and "per-request cap" in budget[0]["message"]
    assert report["cost"]["request_usd"] <= 0.01


def test_a_file_over_the_size_limit_is_refused_with_one_line(fake_providers, tmp_path):
    big = tmp_path / "big.py"
    line = "x = 1\n"
    big.write_text(line * (MAX_DOCUMENT_CHARS // len(line) + 1))
    result = run_check(fake_providers.env(), str(big), "--lines", "1-2", tmp_path=tmp_path)
    assert result.returncode == 2
    assert f"at most {MAX_DOCUMENT_CHARS:,} characters" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert fake_providers.requests == []


def test_a_file_far_over_the_limit_is_refused_unread(fake_providers, tmp_path):
    huge = tmp_path / "huge.py"
    with huge.open("wb") as sparse:  # 1 GB of holes: refused on its size, never read
        sparse.truncate(1024**3)
    result = run_check(fake_providers.env(), str(huge), "--lines", "1-2", tmp_path=tmp_path)
    assert result.returncode == 2
    assert "1,073,741,824 bytes" in result.stderr and "at most" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


SARIF_SCHEMA = Path(__file__).parents[1] / "data" / "sarif" / "sarif-schema-2.1.0.json"
# Runs the CLI in this process, then says on stderr's last line which SDKs it had imported.
SDK_PROBE = """
import json, sys
from counterpoint.cli import main
code = main(sys.argv[1:])
sdks = sorted(name for name in ("anthropic", "openai") if name in sys.modules)
print(json.dumps({"exit": code, "sdks": sdks}), file=sys.stderr)
"""


def project(tmp_path: Path) -> Path:
    """A small project: a function, blank lines, a `.env` and a `secrets.py`."""
    root = tmp_path / "project"
    root.mkdir()
    (root / "pyproject.toml").write_text("[project]\nname = 'p'\n")
    (root / "code.py").write_text("def f(x):\n\n\n    return x\n")
    (root / ".env").write_text("TOKEN=abc\n")
    (root / ".env.local").write_text("TOKEN=abc\n")
    (root / "secrets.py").write_text("TOKEN = 'abc'\n")
    return root


def run_probed(env: dict[str, str], *args: str, tmp_path: Path) -> tuple[dict, str]:
    clean = {k: v for k, v in os.environ.items() if not k.endswith(("_API_KEY", "_BASE_URL"))}
    result = subprocess.run(
        [sys.executable, "-c", SDK_PROBE, "check", *args],
        env={**clean, "COUNTERPOINT_CACHE_DIR": str(tmp_path / "cache"), **env},
        capture_output=True,
        text=True,
        timeout=60,
    )
    *said, probe = result.stderr.strip().splitlines()
    return json.loads(probe), "\n".join(said)


@pytest.mark.parametrize(
    ("keys", "target", "lines", "message"),
    [
        (False, "code.py", "1-4", "no key or base URL configured"),
        (True, "code.py", "2-3", "lines 2-3 are blank"),
        (True, ".env", "1", "'.env*': it is never sent to a model"),
        (True, "secrets.py", "1", "'secrets.*': it is never sent to a model"),
    ],
)
def test_bad_input_is_refused_before_either_sdk_is_imported(
    fake_providers, tmp_path, keys, target, lines, message
):
    root = project(tmp_path)
    env = fake_providers.env() if keys else {}
    probe, said = run_probed(env, str(root / target), "--lines", lines, tmp_path=tmp_path)
    assert probe == {"exit": 2, "sdks": []}
    assert message in said and len(said.splitlines()) == 1
    assert fake_providers.requests == []


def test_a_check_that_runs_imports_both_sdks(fake_providers, tmp_path):
    """The probe above can see an SDK import: a real run makes both."""
    script_disagreement(fake_providers)
    probe, said = run_probed(
        fake_providers.env(), str(FIXTURE), "--lines", "1-7", "--no-execute", tmp_path=tmp_path
    )
    assert probe == {"exit": 0, "sdks": ["anthropic", "openai"]}, said


@pytest.mark.parametrize("name", [".env", ".env.local"])
def test_a_dotenv_file_is_refused_as_private_not_as_an_unknown_language(
    fake_providers, tmp_path, name
):
    root = project(tmp_path)
    result = run_check(fake_providers.env(), str(root / name), "--lines", "1", tmp_path=tmp_path)
    assert result.returncode == 2
    assert "never sent to a model" in result.stderr and "language" not in result.stderr


@pytest.mark.parametrize(
    ("env_keys", "args", "kind", "message"),
    [
        (True, ["missing.py", "--lines", "1-2"], "input", "no such file: missing.py"),
        (False, [str(FIXTURE), "--lines", "1-7"], "config", "no key or base URL configured"),
        (True, ["PROJECT/.env", "--lines", "1"], "input", "never sent to a model"),
        (True, [str(FIXTURE), "--lines", "1-7", "--fail-on", "nope"], "usage", "unknown label"),
        (True, [str(FIXTURE)], "usage", "the following arguments are required: --lines"),
    ],
)
def test_with_json_bad_input_is_an_error_object_on_stdout_too(
    fake_providers, tmp_path, env_keys, args, kind, message
):
    root = project(tmp_path)
    args = [arg.replace("PROJECT", str(root)) for arg in args]
    env = fake_providers.env() if env_keys else {}
    result = run_check(env, *args, "--json", tmp_path=tmp_path)
    assert result.returncode == 2
    error = json.loads(result.stdout)["error"]
    assert error["kind"] == kind and message in error["message"]
    assert set(error) == {"kind", "message"}
    assert f"error: {error['message']}" in result.stderr
    assert fake_providers.requests == []


def test_fail_on_exits_1_when_the_label_is_one_of_them_and_still_prints_the_report(
    fake_providers, tmp_path
):
    script_disagreement(fake_providers)  # no tests run: Claude's rejection leaves it disputed
    args = (str(FIXTURE), "--lines", "1-7", "--no-execute", "--json")
    disputed = run_check(fake_providers.env(), *args, "--fail-on", "disputed", tmp_path=tmp_path)
    assert disputed.returncode == 1, disputed.stderr
    assert json.loads(disputed.stdout)["confidence"]["label"] == "disputed"
    others = run_check(
        fake_providers.env(), *args, "--fail-on", "both-fail,failed", tmp_path=tmp_path
    )
    assert others.returncode == 0, others.stderr
    assert json.loads(others.stdout)["confidence"]["label"] == "disputed"


def sarif_validator() -> jsonschema.protocols.Validator:
    schema = json.loads(SARIF_SCHEMA.read_text())
    return jsonschema.validators.validator_for(schema)(schema)


def test_sarif_is_valid_relative_to_the_workspace_and_names_the_broken_test(
    fake_providers, tmp_path
):
    script_disagreement(fake_providers)
    typed = os.path.relpath(FIXTURE)  # as a user types it, relative to where they stand
    result = run_check(fake_providers.env(), typed, "--lines", "1-7", "--sarif", tmp_path=tmp_path)
    assert result.returncode == 0, result.stderr
    log = json.loads(result.stdout)
    sarif_validator().validate(log)
    [run] = log["runs"]
    assert run["originalUriBaseIds"] == {"%SRCROOT%": {"uri": FIXTURE.parent.as_uri() + "/"}}
    locations = [r["locations"][0]["physicalLocation"]["artifactLocation"] for r in run["results"]]
    assert locations and all(
        location == {"uri": "windows.py", "uriBaseId": "%SRCROOT%"} for location in locations
    )
    by_rule = {r["ruleId"]: r for r in run["results"]}
    assert by_rule["counterpoint/verified-one"]["level"] == "warning"
    broken = by_rule["counterpoint/breaks-tests"]
    assert broken["level"] == "error"
    assert "GPT's proposal" in broken["message"]["text"]
    assert (
        "test_window_larger_than_list_has_no_sums: assert [1] == []" in (broken["message"]["text"])
    )


def test_an_unreachable_provider_is_named_by_its_url_in_text_json_and_sarif(tmp_path):
    with socket.socket() as probe:  # a port on 127.0.0.1 nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {
        "ANTHROPIC_API_KEY": "k",
        "OPENAI_API_KEY": "k",
        "ANTHROPIC_BASE_URL": f"http://127.0.0.1:{port}",
        "OPENAI_BASE_URL": f"http://127.0.0.1:{port}/v1",
        "COUNTERPOINT_MAX_RETRIES": "0",
    }
    args = (str(FIXTURE), "--lines", "1-7", "--no-execute")
    text = run_check(env, *args, tmp_path=tmp_path)
    assert text.returncode == 0, text.stderr
    assert f"cannot reach Anthropic at http://127.0.0.1:{port}/v1/messages" in text.stdout
    assert f"cannot reach OpenAI at http://127.0.0.1:{port}/v1/chat/completions" in text.stdout
    report = json.loads(run_check(env, *args, "--json", tmp_path=tmp_path).stdout)
    assert report["confidence"]["label"] == "failed"
    assert all(f"127.0.0.1:{port}/v1/" in failure["message"] for failure in report["failures"])
    sarif = run_check(env, *args, "--sarif", "--fail-on", "failed", tmp_path=tmp_path)
    assert sarif.returncode == 1
    log = json.loads(sarif.stdout)
    sarif_validator().validate(log)
    [result] = log["runs"][0]["results"]  # a failed run is not a clean pass
    assert result["ruleId"] == "counterpoint/failed" and result["level"] == "error"
    assert f"http://127.0.0.1:{port}/v1/messages" in result["message"]["text"]
