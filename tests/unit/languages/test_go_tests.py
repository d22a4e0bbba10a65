"""Go: context through the generic pipeline, test discovery and `go test -json` parsing."""

import json
from pathlib import Path

from counterpoint.core.context import build_context
from counterpoint.languages import language_for
from counterpoint.languages import test_support as support_of
from counterpoint.languages.go.support import GoSelection, GoTests
from counterpoint.model.request import CrossCheckRequest, Position, Range

PROJECT = Path(__file__).parents[2] / "e2e" / "fixtures" / "go_project"
GO = language_for(path="windows.go")
TESTS = support_of(GO)
assert isinstance(TESTS, GoTests)
FILES = ["go.mod", "windows/windows.go", "windows/windows_test.go"]


def read(rel: str) -> str | None:
    path = PROJECT / rel
    return path.read_text() if path.exists() else None


def test_context_finds_the_enclosing_func_the_imports_and_signatures():
    text = (
        'package calc\n\nimport "strings"\n\nfunc helper(s string) string {\n'
        "\treturn strings.ToUpper(s)\n}\n\nfunc Outer(s string) string {\n"
        '\tx := helper(s)\n\treturn x + "!"\n}\n'
    )
    request = CrossCheckRequest(
        "file:///x/calc.go", text, "go", Range(Position(9, 0), Position(10, 0))
    )
    context = build_context(request, GO)
    assert context.enclosing == "function Outer (lines 9-12)"
    assert context.imports == 'package calc\nimport "strings"'
    assert context.signatures == ("func helper(s string) string",)
    assert context.symbols == ("Outer",)


def test_discovery_selects_the_package_tests_that_name_the_target():
    selection = TESTS.discover(FILES, read, "windows/windows.go", ["WindowSums"], "")
    assert isinstance(selection, GoSelection)
    assert selection.test_ids == (
        "windows/windows_test.go::TestPairs",
        "windows/windows_test.go::TestWholeListIsOneWindow",
        "windows/windows_test.go::TestWindowLargerThanListHasNoSums",
    )
    assert selection.suite_size == 4
    assert (selection.package_dir, selection.module_dir, selection.package_name) == (
        "windows",
        "",
        "windows",
    )


def test_only_test_functions_with_a_testing_t_count():
    source = (
        'package p\n\nimport "testing"\n\nfunc TestA(t *testing.T) { F() }\n'
        "func Testable(t *testing.T) { F() }\nfunc TestB(b *testing.B) { F() }\n"
        "func Test_C(t *testing.T) {}\n"
    )
    assert TESTS.tests_in(source) == [
        ("TestA", {"TestA", "F", "t", "T"}),
        ("Test_C", {"Test_C", "t", "T"}),
    ]


def test_model_tests_become_one_file_of_the_package_with_merged_imports():
    merged = TESTS.model_file(
        "windows",
        [
            'package windows_test\n\nimport (\n\t"reflect"\n\t"testing"\n)\n\n'
            "func TestA(t *testing.T) { _ = reflect.DeepEqual(1, 1) }\n",
            "func TestB(t *testing.T) {}\n",
        ],
    )
    assert merged == (
        'package windows\n\nimport (\n\t"reflect"\n\t"testing"\n)\n\n'
        "func TestA(t *testing.T) { _ = reflect.DeepEqual(1, 1) }\n\n"
        "func TestB(t *testing.T) {}\n"
    )
    assert TESTS.model_file("p", ["func TestC(t *testing.T) {}"]) == (
        'package p\n\nimport (\n\t"testing"\n)\n\nfunc TestC(t *testing.T) {}\n'
    )


def test_plan_runs_go_test_json_by_name_in_the_package(tmp_path):
    selection = TESTS.discover(FILES, read, "windows/windows.go", ["WindowSums"], "")
    plan = TESTS.plan(
        "/usr/bin/go",
        selection,
        {"claude": ["func TestMine(t *testing.T) {}"]},
        tmp_path / "w",
        tmp_path,
        5,
    )
    assert plan.argv == [
        "sh",
        "_counterpoint/run_go.sh",
        str(tmp_path / "results.jsonl"),
        "windows",
        ".",
        "^(TestMine|TestPairs|TestWholeListIsOneWindow|TestWindowLargerThanListHasNoSums)$",
        "20s",
    ]
    assert "_counterpoint/model_claude.go" in plan.files  # the driver copies it into windows/
    assert plan.env["GOCACHE"] == str(tmp_path / "go-cache")
    assert (plan.env["GOPROXY"], plan.env["GOFLAGS"], plan.env["CP_PKG"]) == (
        "off",
        "-mod=mod",
        "windows",
    )


def event(action: str, test: str, **extra: object) -> str:
    return json.dumps({"Action": action, "Package": "example.com/w", "Test": test, **extra})


def test_go_test_json_events_are_read_with_their_output():
    selection = TESTS.discover(FILES, read, "windows/windows.go", ["WindowSums"], "")
    results = "\n".join(
        [
            "counterpoint: family claude claude",
            "counterpoint: expect claude claude TestMine",
            "counterpoint: family gpt gpt",
            "counterpoint: expect gpt gpt TestTheirs",
            "counterpoint: did not compile: gpt",
            "counterpoint:   ./counterpoint_gpt_test.go:3:12: undefined: Nope",
            event("run", "TestPairs"),
            event("output", "TestPairs", Output="=== RUN   TestPairs\n"),
            event("output", "TestPairs", Output="    windows_test.go:10: got [3], want [3 5]\n"),
            event("output", "TestPairs", Output="--- FAIL: TestPairs (0.00s)\n"),
            event("fail", "TestPairs", Elapsed=0.01),
            event("pass", "TestPairs/sub", Elapsed=0),
            event("pass", "TestMine", Elapsed=0),
            event("skip", "TestWholeListIsOneWindow", Elapsed=0),
            json.dumps({"Action": "fail", "Package": "example.com/w", "Elapsed": 0.1}),
        ]
    )
    outcomes = TESTS.read_results(results, selection, {})
    assert [(o.id, o.source, o.outcome, o.message) for o in outcomes] == [
        (
            "windows/windows_test.go::TestPairs",
            "workspace",
            "failed",
            "windows_test.go:10: got [3], want [3 5]",
        ),
        ("windows/counterpoint_claude_test.go::TestMine", "claude", "passed", ""),
        ("windows/windows_test.go::TestWholeListIsOneWindow", "workspace", "skipped", ""),
        (
            "windows/counterpoint_gpt_test.go::TestTheirs",
            "gpt",
            "error",
            "gpt's tests did not compile: ./counterpoint_gpt_test.go:3:12: undefined: Nope",
        ),
    ]
    assert outcomes[0].duration_s == 0.01


def test_a_build_failure_turns_every_selected_test_into_an_error():
    selection = TESTS.discover(FILES, read, "windows/windows.go", ["WindowSums"], "")
    results = "# example.com/w\n./windows.go:7:2: undefined: oops\n" + json.dumps(
        {
            "Action": "output",
            "Package": "example.com/w",
            "Output": "FAIL\texample.com/w [build failed]\n",
        }
    )
    outcomes = TESTS.read_results(results, selection, {})
    assert [(o.id, o.outcome) for o in outcomes] == [
        ("windows/windows_test.go::TestPairs", "error"),
        ("windows/windows_test.go::TestWholeListIsOneWindow", "error"),
        ("windows/windows_test.go::TestWindowLargerThanListHasNoSums", "error"),
    ]
    assert outcomes[0].message == "did not compile: ./windows.go:7:2: undefined: oops"


def test_a_missing_go_is_said_plainly():
    assert GoTests(GO).runner_available("/nonexistent/go") == (
        "not executed: no runner for go (install golang-go)"
    )
