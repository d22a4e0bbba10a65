"""What a question's answer writes into the user's tests comes from an untrusted run (the
printed results, the call) or from what the user typed: it must reach the test file as the
literal it parsed as, and a hostile one must not raise out of the server."""

import ast

import pytest

from counterpoint.languages import language_for, regression_writer


@pytest.fixture
def writer():
    found = regression_writer(language_for("python"))
    assert found is not None
    return found


def assertion(expectation: str) -> ast.expr:
    """The expectation as the test file's `assert` reads it."""
    statement = ast.parse(f"def test():\n    assert {expectation}\n").body[0]
    assert isinstance(statement, ast.FunctionDef)
    (check,) = statement.body
    assert isinstance(check, ast.Assert)
    return check.test


def test_a_comment_in_the_value_cannot_cut_off_the_pinned_type(writer):
    written = writer.expectation("f(1)", "3 # ")
    assert written is not None
    assert "type(result) is int" in ast.unparse(assertion(written))


def test_a_comment_in_the_call_cannot_break_the_test_file(writer):
    written = writer.expectation("f(1) #", "3")
    assert written is not None
    assert ast.unparse(assertion(written)) == "(result := f(1)) == 3 and type(result) is int"


@pytest.mark.parametrize("value", ["-" * 100_000 + "1", "not " * 100_000 + "1", "~" * 50_000 + "1"])
def test_a_deeply_nested_value_is_refused_not_raised(writer, value):
    assert writer.expectation("f(1)", value) is None
    assert writer.expectation(f"f({value})", "1") is None


@pytest.mark.parametrize("value", ["0x" + "f" * 1_000_000, "'" + "a" * 1_000_000 + "'"])
def test_a_huge_literal_is_not_written_into_the_users_tests(writer, value):
    assert writer.expectation("f(1)", value) is None
    assert writer.expectation(f"f({value})", "1") is None
