"""Without bubblewrap tests are not run, and the report says how to install it; the unsafe
setting runs them anyway and says so everywhere."""

import json
from pathlib import Path

from tests.e2e.scripts import FIXED, VARIANT, run_check, script_fix_and_bug

FIXTURE = Path(__file__).parent / "fixtures" / "windows_project" / "windows.py"


def check(fake, tmp_path, *extra: str, **env: str):
    script_fix_and_bug(fake, FIXED, VARIANT)
    # An empty PATH: no bwrap to be found (the CLI's own Python is named by its path).
    return run_check(
        {**fake.env(), "PATH": str(tmp_path / "empty"), **env},
        str(FIXTURE),
        "--lines",
        "1-7",
        "--instruction",
        "fix",
        *extra,
        tmp_path=tmp_path,
    )


def test_without_bubblewrap_tests_are_not_run_and_the_report_says_how_to_install_it(
    fake_providers, tmp_path
):
    result = check(fake_providers, tmp_path, "--json")
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    reason = report["execution"]["unavailable_reason"]
    assert "bubblewrap" in reason and "apt install bubblewrap" in reason, reason
    assert "COUNTERPOINT_UNSAFE_NO_SANDBOX" in reason
    assert {e["status"] for e in report["executions"]} == {"skipped"}
    assert report["confidence"]["label"] != "verified-one"


def test_the_unsafe_setting_runs_tests_and_says_unsafe_in_the_report_and_the_text(
    fake_providers, tmp_path
):
    result = check(fake_providers, tmp_path, "--json", COUNTERPOINT_UNSAFE_NO_SANDBOX="1")
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    execution = report["execution"]
    assert execution["isolation"]["sandbox"] == "unsafe"
    assert any("UNSAFE" in note for note in execution["notes"]), execution["notes"]
    ran = {e["proposal"]: e for e in report["executions"]}
    assert ran["claude"]["status"] == "ran" and ran["claude"]["failed"] == 0, ran["claude"]
    assert ran["gpt"]["failed"] > 0  # the buggy variant still fails its test
    text = check(fake_providers, tmp_path, COUNTERPOINT_UNSAFE_NO_SANDBOX="1")
    assert "UNSAFE: tests ran without a sandbox" in text.stdout, text.stdout
