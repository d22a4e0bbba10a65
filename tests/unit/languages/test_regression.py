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
