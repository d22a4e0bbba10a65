"""Each language writes the user's expectations as tests in its runner's style, found through
the registry."""

import ast
import json

import pytest

from counterpoint.languages import all_languages, language_for, regression_writer
from counterpoint.languages.testing import Regression


def written(language: str, expectations, module="counting", names=("count_up_to",), root=None):
    writer = regression_writer(language_for(language))
    assert writer is not None
    return writer.run_test(Regression(expectations, module, names, root, "counting.js"))


def test_every_language_with_tests_has_a_writer():
    assert {spec.name for spec in all_languages() if regression_writer(spec)} == {
        "python",
        "javascript",
        "typescript",
        "go",
        "rust",
    }


def test_python_asserts_each_expectation_importing_only_the_names_it_uses():
    text = written(
        "python",
        ["count_up_to(3) == [1, 2, 3]", "count_up_to(0) == []"],
        "pkg.counting",
        ("count_up_to", "helper"),
    )
    ast.parse(text)
    assert text.startswith("from pkg.counting import count_up_to\n")
    assert (
        "def test_expected_1_count_up_to_3_1_2_3():\n    assert count_up_to(3) == [1, 2, 3]\n"
        in text
    )
    assert "def test_expected_2_count_up_to_0():\n    assert count_up_to(0) == []\n" in text


@pytest.mark.parametrize(
    ("framework", "check"),
    [
        (None, "assert.deepStrictEqual(countUpTo(3), [1, 2, 3]);"),
        ("vitest", "expect(countUpTo(3)).toEqual([1, 2, 3]);"),
        ("jest", "expect(countUpTo(3)).toEqual([1, 2, 3]);"),
    ],
)
def test_javascript_compares_an_equality_deeply_in_the_packages_runner_style(
    tmp_path, framework, check
):
    package = {"name": "counting", "type": "module"}
    if framework:
        package["devDependencies"] = {framework: "1"}
    (tmp_path / "package.json").write_text(json.dumps(package))
    text = written(
        "javascript", ["countUpTo(3) === [1, 2, 3]"], "../counting.js", ("countUpTo",), tmp_path
    )
    assert check in text
    assert 'import { countUpTo } from "../counting.js";' in text
    assert ("from 'vitest'" in text) == (framework == "vitest")
    assert ("node:test" in text) == (framework is None)


def test_javascript_asserts_anything_else_is_true():
    text = written("javascript", ["countUpTo(3).length > 2"], "../c.js", ("countUpTo",))
    assert "assert.ok(countUpTo(3).length > 2);" in text


def test_go_compares_with_deep_equal_in_the_targets_package():
    text = written("go", ["CountUpTo(3) == []int{1, 2, 3}"], "counting", ("CountUpTo",))
    assert text.startswith('package counting\n\nimport (\n\t"reflect"\n\t"testing"\n)\n')
    assert "func TestExpected1_CountUpTo_3_int_1_2_3(t *testing.T) {" in text
    assert "got, want := CountUpTo(3), []int{1, 2, 3}" in text
    assert "reflect.DeepEqual(got, want)" in text


def test_rust_writes_assert_eq_tests():
    text = written("rust", ["count_up_to(3) == vec![1, 2, 3]", "ok()"], "src/lib.rs")
    assert (
        "#[test]\nfn expected_1_count_up_to_3_vec_1_2_3() {\n"
        "    assert_eq!(count_up_to(3), vec![1, 2, 3]);\n}" in text
    )
    assert "assert!(ok());" in text


# -- an answered question, as a test in the workspace's own test file ----------------------


def python_writer():
    writer = regression_writer(language_for("python"))
    assert writer is not None
    return writer


def answer(files: dict, folders=(), target="counting.py", module="counting"):
    expectation = python_writer().expectation("count_up_to(3)", "[1, 2, 3]")
    regression = Regression((expectation,), module, ("count_up_to",), None, target)
    return python_writer().answer_test(regression, files.get, lambda rel: rel in folders)


def test_an_answer_is_appended_to_the_existing_conventional_test_file():
    existing = "from counting import count_up_to\n\n\ndef test_count_up_to_3_1_2_3():\n    pass\n"
    edit = answer({"tests/test_counting.py": existing}, folders=("tests",))
    assert (edit.path, edit.created) == ("tests/test_counting.py", False)
    # The name is free, and the file's own import is used.
    assert edit.text == (
        "\n\ndef test_count_up_to_3_1_2_3_2():\n    assert count_up_to(3) == [1, 2, 3]\n"
    )
    ast.parse(existing + edit.text)


def test_an_answer_imports_what_the_file_does_not():
    edit = answer({"test_counting.py": "import pytest"})
    assert edit.text == (
        "\n\n\ndef test_count_up_to_3_1_2_3():\n"
        "    from counting import count_up_to\n\n"
        "    assert count_up_to(3) == [1, 2, 3]\n"
    )


def test_a_missing_test_file_is_created_where_the_projects_tests_live():
    assert answer({}, folders=("tests",)).path == "tests/test_counting.py"
    beside = answer({}, target="lib/counting.py")
    assert (beside.path, beside.created) == ("lib/test_counting.py", True)
    src = answer({}, folders=("tests",), target="src/pkg/counting.py", module="pkg.counting")
    assert src.path == "tests/pkg/test_counting.py"
    assert src.text.startswith("from pkg.counting import count_up_to\n")


@pytest.mark.parametrize(
    ("call", "value"),
    [
        ("count_up_to(3)", "__import__('os').system('x')"),
        ("count_up_to(3)", "<Counter object>"),
        ("count_up_to(3)", "[1, 2] if True else open('x')"),
        ("count_up_to(__import__('os').getcwd())", "[1]"),
        ("getattr(count_up_to, 'x')(3)", "[1]"),
        ("count_up_to(3); import os", "[1]"),
    ],
)
def test_only_a_plain_call_and_a_literal_value_become_an_expectation(call, value):
    assert python_writer().expectation(call, value) is None


def test_literals_of_every_kind_are_plain():
    for value in ("[1, 2, 3]", "'a'", "None", "{1: (2, -3.5)}", "{'a', 'b'}", "b'x'", "-1.5"):
        assert python_writer().expectation("f(1, key='v')", value) == f"f(1, key='v') == {value}"


def test_a_pinned_whole_number_or_bool_pins_its_type():
    """3299 == 3299.0 and True == 1 in Python: without the type the answer decides nothing."""
    writer = python_writer()
    for value, kind in (("3299", "int"), ("-1", "int"), ("True", "bool")):
        expression = writer.expectation("f(7)", value)
        assert expression == f"(result := f(7)) == {value} and type(result) is {kind}"
        for other, holds in ((3299.0, False), (1.0, False)):
            scope = {"f": lambda _x, v=other: v}
            assert eval(expression, scope) is holds
        pinned = ast.literal_eval(value)
        scope = {"f": lambda _x, v=pinned: v}
        assert eval(expression, scope) is True
