"""Rust: context through the generic pipeline, test discovery and libtest output parsing."""

from pathlib import Path

from counterpoint.core.context import build_context
from counterpoint.languages import language_for
from counterpoint.languages import test_support as support_of
from counterpoint.languages.rust.support import CargoTests, RustSelection
from counterpoint.model.request import CrossCheckRequest, Position, Range

PROJECT = Path(__file__).parents[2] / "e2e" / "fixtures" / "rust_project"
RUST = language_for(path="lib.rs")
TESTS = support_of(RUST)
assert isinstance(TESTS, CargoTests)
FILES = ["Cargo.toml", "src/lib.rs", "tests/whole.rs"]


def read(rel: str) -> str | None:
    path = PROJECT / rel
    return path.read_text() if path.exists() else None


def test_context_finds_the_enclosing_fn_the_use_declarations_and_signatures():
    text = "use std::collections::HashMap;\n\nfn helper(x: i64) -> i64 {\n    x * 2\n}\n\n" + (
        "pub fn outer(xs: &[i64]) -> i64 {\n    let m: HashMap<i64, i64> = HashMap::new();\n"
        "    helper(xs[0]) + m.len() as i64\n}\n"
    )
    selection = Range(Position(8, 0), Position(9, 0))
    request = CrossCheckRequest("file:///x/lib.rs", text, "rust", selection)
    context = build_context(request, RUST)
    assert context.enclosing == "function outer (lines 7-10)"
    assert context.imports == "use std::collections::HashMap;"
    assert context.signatures == ("fn helper(x: i64) -> i64",)
    assert context.symbols == ("outer",)


def test_discovery_selects_the_tests_that_name_the_target_in_the_file_and_in_tests():
    selection = TESTS.discover(FILES, read, "src/lib.rs", ["window_sums"], "")
    assert isinstance(selection, RustSelection)
    assert selection.test_ids == (
        "src/lib.rs::tests::pairs",
        "src/lib.rs::tests::window_larger_than_list_has_no_sums",
        "tests/whole.rs::whole_list_is_one_window",
    )
    assert selection.suite_size == 5
    assert selection.names == (
        ("src/lib.rs::tests::pairs", "src/lib.rs", "tests::pairs"),
        (
            "src/lib.rs::tests::window_larger_than_list_has_no_sums",
            "src/lib.rs",
            "tests::window_larger_than_list_has_no_sums",
        ),
        ("tests/whole.rs::whole_list_is_one_window", "tests/whole.rs", "whole_list_is_one_window"),
    )


def test_a_module_file_maps_to_the_lib_crate_with_its_module_path():
    sources = {
        "crate/Cargo.toml": "",
        "crate/src/lib.rs": "mod geo;\n",
        "crate/src/geo/area.rs": (
            "pub fn area() -> i64 { 1 }\n#[cfg(test)]\nmod tests {\n    use super::*;\n"
            "    #[test]\n    #[should_panic]\n    fn one() { area(); }\n"
            "    fn helper() { area(); }\n}\n"
        ),
    }
    selection = TESTS.discover(list(sources), sources.get, "crate/src/geo/area.rs", ["area"], "")
    assert isinstance(selection, RustSelection)
    assert selection.names == (
        ("crate/src/geo/area.rs::tests::one", "src/lib.rs", "geo::area::tests::one"),
    )
    assert (selection.package_dir, selection.target_prefix) == ("crate", "geo::area::")


def test_plan_appends_model_tests_and_filters_by_exact_name(tmp_path):
    selection = TESTS.discover(FILES, read, "src/lib.rs", ["window_sums"], "")
    plan = TESTS.plan(
        "/opt/cargo",
        selection,
        {"claude": ["#[test]\nfn mine() {}"], "gpt": []},
        tmp_path / "w",
        tmp_path,
        5,
    )
    assert plan.argv == [
        "sh",
        "_counterpoint/run_cargo.sh",
        str(tmp_path / "results.txt"),
        "src/lib.rs",
        "counterpoint_model_tests_claude::mine",
        "tests::pairs",
        "tests::window_larger_than_list_has_no_sums",
        "whole_list_is_one_window",
    ]
    assert plan.files["_counterpoint/model_claude.rs"] == (
        "\n\n#[cfg(test)]\nmod counterpoint_model_tests_claude {\n"
        "    #[allow(unused_imports)]\n    use super::*;\n\n#[test]\nfn mine() {}\n}\n"
    )
    assert plan.files["_counterpoint/expected.txt"] == (
        "counterpoint: family claude claude\n"
        "counterpoint: expect claude claude counterpoint_model_tests_claude::mine\n"
    )
    assert plan.env["CARGO_TARGET_DIR"] == str(tmp_path / "cargo-target")
    assert plan.env["CARGO_HOME"] == str(tmp_path / "cargo-home")
    assert plan.env["CP_MANIFEST"] == "Cargo.toml"


OUTPUT = """counterpoint: family claude claude
counterpoint: expect claude claude counterpoint_model_tests_claude::mine
counterpoint: family gpt gpt
counterpoint: did not compile: gpt
counterpoint:   src/lib.rs:40:5: error[E0061]: takes 2 arguments but 1 was supplied
   Compiling windows v0.1.0 (/tmp/w)
    Finished `test` profile [unoptimized + debuginfo] target(s) in 0.50s
     Running unittests src/lib.rs (target/debug/deps/windows-1)

running 3 tests
test counterpoint_model_tests_claude::mine ... ok
test tests::pairs ... ok
test tests::window_larger_than_list_has_no_sums ... FAILED

failures:

---- tests::window_larger_than_list_has_no_sums stdout ----

thread 'tests::window_larger_than_list_has_no_sums' (77) panicked at src/lib.rs:27:9:
assertion `left == right` failed
  left: [1]
 right: []
note: run with `RUST_BACKTRACE=1` environment variable to display a backtrace


failures:
    tests::window_larger_than_list_has_no_sums

test result: FAILED. 2 passed; 1 failed; 0 ignored; 0 measured; 0 filtered out; finished in 0.00s

     Running tests/whole.rs (target/debug/deps/whole-2)

running 1 test
test whole_list_is_one_window ... ignored, slow

test result: ok. 0 passed; 0 failed; 1 ignored; 0 measured; 1 filtered out; finished in 0.00s
"""


def test_libtest_output_is_read_per_binary_with_failure_messages():
    selection = TESTS.discover(FILES, read, "src/lib.rs", ["window_sums"], "")
    outcomes = TESTS.read_results(OUTPUT, selection, {})
    assert [(o.id, o.source, o.outcome) for o in outcomes] == [
        ("src/lib.rs::counterpoint_model_tests_claude::mine", "claude", "passed"),
        ("src/lib.rs::tests::pairs", "workspace", "passed"),
        ("src/lib.rs::tests::window_larger_than_list_has_no_sums", "workspace", "failed"),
        ("tests/whole.rs::whole_list_is_one_window", "workspace", "skipped"),
        ("src/lib.rs::counterpoint_model_tests_gpt", "gpt", "error"),
    ]
    assert outcomes[2].message == (
        "thread 'tests::window_larger_than_list_has_no_sums' (77) panicked at src/lib.rs:27:9:\n"
        "assertion `left == right` failed\n  left: [1]\n right: []"
    )
    assert outcomes[4].message == (
        "gpt's tests did not compile: src/lib.rs:40:5: error[E0061]: takes 2 arguments but 1 "
        "was supplied"
    )


def test_a_build_failure_turns_every_selected_test_into_an_error():
    broken = (
        "counterpoint: family claude claude\n"
        "counterpoint: expect claude claude counterpoint_model_tests_claude::mine\n"
        "   Compiling windows v0.1.0 (/tmp/w)\n"
        "src/lib.rs:6:5: error[E0425]: cannot find value `oops` in this scope\n"
        "error: could not compile `windows` (lib test) due to 1 previous error\n"
    )
    selection = TESTS.discover(FILES, read, "src/lib.rs", ["window_sums"], "")
    outcomes = TESTS.read_results(broken, selection, {})
    assert [(o.id, o.source, o.outcome) for o in outcomes] == [
        ("src/lib.rs::tests::pairs", "workspace", "error"),
        ("src/lib.rs::tests::window_larger_than_list_has_no_sums", "workspace", "error"),
        ("tests/whole.rs::whole_list_is_one_window", "workspace", "error"),
        ("src/lib.rs::counterpoint_model_tests_claude::mine", "claude", "error"),
    ]
    assert {o.message for o in outcomes} == {
        "did not compile: src/lib.rs:6:5: error[E0425]: cannot find value `oops` in this scope"
    }


def test_a_missing_cargo_is_said_plainly():
    assert CargoTests(RUST).runner_available("/nonexistent/cargo") == (
        "not executed: no runner for rust (install cargo)"
    )
