"""Go and Rust end to end: a real `go test` package and a real cargo crate through
`counterpoint check`, against the HTTP fake of both APIs."""

import shutil
from pathlib import Path

import pytest

from tests.e2e.scripts import check_json as check
from tests.e2e.scripts import script_fix_and_bug as script

FIXTURES = Path(__file__).parent / "fixtures"

RUST_PROJECT = FIXTURES / "rust_project"
RUST_TARGET = RUST_PROJECT / "src" / "lib.rs"
RUST_FIXED = """pub fn window_sums(xs: &[i64], k: usize) -> Vec<i64> {
    let mut out = Vec::new();
    if k > xs.len() {
        return out;
    }
    for i in 0..=xs.len() - k {
        out.push(xs[i..i + k].iter().sum());
    }
    out
}
"""
RUST_WRONG = RUST_FIXED.replace("        return out;", "        return vec![xs.iter().sum()];")
RUST_CLAUDE_TEST = """#[test]
fn claude_pairs() {
    assert_eq!(window_sums(&[1, 2, 3], 2), vec![3, 5]);
}"""
RUST_GPT_BROKEN_TEST = """#[test]
fn gpt_does_not_compile() {
    assert_eq!(window_sums(&[1, 2, 3]), vec![3, 5]);
}"""


def assert_fix_recommended(
    report: dict, runs: dict, claude_test: str, unrelated: str, language: str
) -> None:
    """Claude's test ran against both proposals and passed, the 3 selected workspace tests
    passed for Claude's fix, no unrelated test ran, and the fix is recommended."""
    for run in (runs["claude"], runs["gpt"]):
        (own,) = [t for t in run["tests"] if t["source"] == "claude"]
        assert (own["id"], own["outcome"]) == (claude_test, "passed")
    assert runs["claude"]["by_source"]["workspace"] == {
        "passed": 3,
        "failed": 0,
        "errors": 0,
        "skipped": 0,
        "total": 3,
    }
    assert not any(unrelated in t["id"] for run in runs.values() for t in run["tests"])
    assert report["confidence"]["label"] == "verified-one"
    assert report["recommended"] == "claude"
    note = f"behaviour not compared: not supported for {language} yet"
    assert note in report["execution"]["notes"]


@pytest.mark.skipif(shutil.which("cargo") is None, reason="cargo is not installed")
def test_a_cargo_crate_flags_the_buggy_proposal(fake_providers, tmp_path):
    script(
        fake_providers,
        RUST_FIXED,
        RUST_WRONG,
        claude_tests=[RUST_CLAUDE_TEST],
    )
    report = check(fake_providers, RUST_TARGET, "4-10", tmp_path)
    assert report["language"] == "rust"
    assert report["execution"]["runner"] == "cargo test"
    selection = report["execution"]["selection"]
    assert selection["tests"] == [
        "src/lib.rs::tests::pairs",
        "src/lib.rs::tests::window_larger_than_list_has_no_sums",
        "tests/whole.rs::whole_list_is_one_window",
    ]
    assert selection["suite_size"] == 5
    runs = {e["proposal"]: e for e in report["executions"]}
    assert {run["status"] for run in runs.values()} == {"ran"}
    assert runs["original"]["failed"] == 2 and runs["original"]["passed"] == 1

    larger = "src/lib.rs::tests::window_larger_than_list_has_no_sums"
    assert runs["gpt"]["regressions"] == [larger]
    failed = [t for t in runs["gpt"]["tests"] if t["outcome"] == "failed"]
    assert [t["id"] for t in failed] == [larger]
    assert "left: [1]" in failed[0]["message"] and "right: []" in failed[0]["message"]
    assert sorted(runs["claude"]["fixed"]) == [
        "src/lib.rs::tests::pairs",
        "tests/whole.rs::whole_list_is_one_window",
    ]
    # Claude's test ran against both proposals: the dual-agreement matrix.
    claude_test = "src/lib.rs::counterpoint_model_tests_claude::claude_pairs"
    assert_fix_recommended(report, runs, claude_test, "untouched", "rust")
    prompt = next(r for r in fake_providers.accepted if r.kind == "submit_proposal")
    assert "cargo test" in prompt.body["messages"][0]["content"]


@pytest.mark.skipif(shutil.which("cargo") is None, reason="cargo is not installed")
def test_a_model_test_that_does_not_compile_costs_only_itself(fake_providers, tmp_path):
    script(
        fake_providers,
        RUST_FIXED,
        RUST_FIXED,
        claude_tests=[RUST_CLAUDE_TEST],
        gpt_tests=[RUST_GPT_BROKEN_TEST],
    )
    report = check(fake_providers, RUST_TARGET, "4-10", tmp_path)
    run = next(e for e in report["executions"] if e["proposal"] == "claude")
    assert run["by_source"]["workspace"]["passed"] == 3
    by_id = {t["id"]: t for t in run["tests"]}
    claude_test = by_id["src/lib.rs::counterpoint_model_tests_claude::claude_pairs"]
    assert (claude_test["source"], claude_test["outcome"]) == ("claude", "passed")
    broken = by_id["src/lib.rs::counterpoint_model_tests_gpt::gpt_does_not_compile"]
    assert (broken["source"], broken["outcome"]) == ("gpt", "error")
    assert broken["message"].startswith("gpt's tests did not compile: ")
    assert "E0061" in broken["message"]


GO_PROJECT = FIXTURES / "go_project"
GO_TARGET = GO_PROJECT / "windows" / "windows.go"
GO_FIXED = """func WindowSums(xs []int, k int) []int {
\tout := []int{}
\tfor i := 0; i+k <= len(xs); i++ {
\t\tsum := 0
\t\tfor _, x := range xs[i : i+k] {
\t\t\tsum += x
\t\t}
\t\tout = append(out, sum)
\t}
\treturn out
}
"""
GO_WRONG = GO_FIXED.replace(
    "\tout := []int{}\n", "\tif k > len(xs) {\n\t\treturn xs\n\t}\n\tout := []int{}\n"
)
GO_CLAUDE_TEST = """package windows

import (
\t"reflect"
\t"testing"
)

func TestClaudePairs(t *testing.T) {
\tif got := WindowSums([]int{1, 2, 3}, 2); !reflect.DeepEqual(got, []int{3, 5}) {
\t\tt.Fatalf("got %v", got)
\t}
}
"""
GO_GPT_BROKEN_TEST = """func TestGptDoesNotCompile(t *testing.T) {
\tWindowSums([]int{1, 2, 3})
}
"""
needs_go = pytest.mark.skipif(shutil.which("go") is None, reason="go is not installed")


@needs_go
def test_a_go_package_flags_the_buggy_proposal(fake_providers, tmp_path):
    script(fake_providers, GO_FIXED, GO_WRONG, claude_tests=[GO_CLAUDE_TEST])
    report = check(fake_providers, GO_TARGET, "5-15", tmp_path)
    assert report["language"] == "go"
    assert report["execution"]["runner"] == "go test"
    selection = report["execution"]["selection"]
    assert selection["tests"] == [
        "windows/windows_test.go::TestPairs",
        "windows/windows_test.go::TestWholeListIsOneWindow",
        "windows/windows_test.go::TestWindowLargerThanListHasNoSums",
    ]
    assert selection["suite_size"] == 4
    runs = {e["proposal"]: e for e in report["executions"]}
    assert {run["status"] for run in runs.values()} == {"ran"}
    assert runs["original"]["failed"] == 2 and runs["original"]["passed"] == 1

    larger = "windows/windows_test.go::TestWindowLargerThanListHasNoSums"
    assert runs["gpt"]["regressions"] == [larger]
    (failure,) = [t for t in runs["gpt"]["tests"] if t["outcome"] == "failed"]
    assert failure["id"] == larger
    assert failure["message"] == "windows_test.go:22: WindowSums([1], 2) = [1], want []"
    assert sorted(runs["claude"]["fixed"]) == [
        "windows/windows_test.go::TestPairs",
        "windows/windows_test.go::TestWholeListIsOneWindow",
    ]
    claude_test = "windows/counterpoint_claude_test.go::TestClaudePairs"
    assert_fix_recommended(report, runs, claude_test, "Untouched", "go")
    prompt = next(r for r in fake_providers.accepted if r.kind == "submit_proposal")
    assert "go test" in prompt.body["messages"][0]["content"]


@needs_go
def test_a_go_model_test_that_does_not_compile_costs_only_itself(fake_providers, tmp_path):
    script(
        fake_providers,
        GO_FIXED,
        GO_FIXED,
        claude_tests=[GO_CLAUDE_TEST],
        gpt_tests=[GO_GPT_BROKEN_TEST],
    )
    report = check(fake_providers, GO_TARGET, "5-15", tmp_path)
    run = next(e for e in report["executions"] if e["proposal"] == "claude")
    assert run["by_source"]["workspace"]["passed"] == 3
    by_id = {t["id"]: t for t in run["tests"]}
    own = by_id["windows/counterpoint_claude_test.go::TestClaudePairs"]
    assert (own["source"], own["outcome"]) == ("claude", "passed")
    broken = by_id["windows/counterpoint_gpt_test.go::TestGptDoesNotCompile"]
    assert (broken["source"], broken["outcome"]) == ("gpt", "error")
    assert broken["message"].startswith("gpt's tests did not compile: ")
    assert "not enough arguments in call to WindowSums" in broken["message"]
