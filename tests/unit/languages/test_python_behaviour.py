from counterpoint.languages.python_behaviour import (
    candidate_calls,
    isolatable_functions,
)
from counterpoint.pipeline.execute import Execution, first_difference

TARGET = '''def window_sums(xs: list[int], k: int) -> list[int]:
    """Sums of windows.

    >>> window_sums([1, 2, 3], 2)
    [3, 5]
    """
    return []
'''


def test_top_level_functions_are_isolatable_and_methods_are_not():
    functions, why = isolatable_functions(TARGET)
    assert why is None
    assert [(f.name, f.parameters, f.hints) for f in functions] == [
        ("window_sums", ("xs", "k"), ("list[int]", "int"))
    ]
    method = "    def mean(self, values):\n        return sum(values)\n"
    assert isolatable_functions(method) == ([], "mean is a method and needs an instance")


def test_calls_come_from_tests_docstrings_and_edge_cases_with_literal_arguments_only():
    functions, _ = isolatable_functions(TARGET)
    test_source = (
        "from windows import window_sums\n"
        "def test_a():\n"
        "    xs = [4]\n"
        "    assert window_sums([1], 2) == []\n"
        "    assert window_sums(xs, 1) == [4]\n"  # not literal: skipped
    )
    calls = candidate_calls(functions, [TARGET, test_source], ["window_sums([], 0)", "print(1)"])
    assert calls[:3] == ["window_sums([1, 2, 3], 2)", "window_sums([1], 2)", "window_sums([], 0)"]
    assert "window_sums(xs, 1)" not in calls
    # Then boundary values from the type hints.
    assert "window_sums([1, 2], -1)" in calls
    assert len(calls) == len(set(calls))


def test_first_difference_names_the_call_and_each_outcome():
    same = {"call": "f(1)", "ok": True, "value": "1"}
    claude = Execution(
        "claude", "ran", behaviour=(same, {"call": "f(0)", "ok": True, "value": "[0]"})
    )
    gpt = Execution(
        "gpt", "ran", behaviour=(same, {"call": "f(0)", "ok": False, "exception": "ValueError"})
    )
    found = first_difference([claude, gpt])
    assert found is not None
    assert found.describe({"claude": "Claude", "gpt": "GPT"}) == (
        "f(0): Claude → [0], GPT → raises ValueError"
    )


def test_unstable_calls_are_not_counterexamples():
    claude = Execution(
        "claude", "ran", behaviour=({"call": "r()", "ok": True, "value": "1", "unstable": True},)
    )
    gpt = Execution("gpt", "ran", behaviour=({"call": "r()", "ok": True, "value": "2"},))
    assert first_difference([claude, gpt]) is None
