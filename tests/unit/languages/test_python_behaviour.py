import ast

from counterpoint.core.behaviour import differences
from counterpoint.languages.python.behaviour import (
    candidate_calls,
    derived_calls,
    isolatable_functions,
)
from counterpoint.languages.testing import BehaviourProbe
from counterpoint.model.execution import Execution

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
    found = candidate_calls(functions, [TARGET, test_source], ["window_sums([], 0)", "print(1)"])
    calls = [call for call, _ in found]
    origins = dict(found)
    assert calls[:3] == ["window_sums([1, 2, 3], 2)", "window_sums([1], 2)", "window_sums([], 0)"]
    assert {origins[c] for c in calls[:3]} == {"example"}
    assert "window_sums(xs, 1)" not in calls
    # Then the examples varied, then boundary values from the type hints.
    assert origins["window_sums([3, 2, 1], 2)"] == "derived"
    assert origins["window_sums([1, 2], -1)"] == "boundary"
    assert [origins[c] for c in calls] == sorted(
        (origins[c] for c in calls), key=["example", "derived", "boundary"].index
    )
    assert len(calls) == len(set(calls))


def test_derived_calls_stay_within_what_the_examples_show():
    calls = derived_calls(["count('0110', 2)", "count('01', 3)"], 200)
    arguments = [ast.literal_eval(c[len("count") :]) for c in calls]
    assert arguments and all(set(text) <= {"0", "1"} and text for text, _ in arguments)
    assert all(n >= 1 for _, n in arguments)  # no example is negative or zero
    assert ("0110", 3) in arguments  # arguments of different examples recombined
    assert ("0110", 4) in arguments and ("1110", 2) in arguments
    signed = derived_calls(["shift([-1, 4], 0)"], 200)
    assert "shift([-2, 4], 0)" in signed  # a negative element allows other negatives
    assert not any(c.endswith("-1)") for c in signed)  # but not for the other argument


def test_typing_hints_get_boundary_values_too():
    functions, _ = isolatable_functions("from typing import List\ndef f(xs: List[int]): pass\n")
    assert ("f([1, 2, 3])", "boundary") in candidate_calls(functions, [], [])


def test_first_difference_names_the_call_and_each_outcome():
    same = {"call": "f(1)", "ok": True, "value": "1"}
    claude = Execution(
        "claude", "ran", behaviour=(same, {"call": "f(0)", "ok": True, "value": "[0]"})
    )
    gpt = Execution(
        "gpt", "ran", behaviour=(same, {"call": "f(0)", "ok": False, "exception": "ValueError"})
    )
    found = next(iter(differences([claude, gpt])), None)
    assert found is not None
    assert found.describe({"claude": "Claude", "gpt": "GPT"}) == (
        "f(0): Claude → [0], GPT → raises ValueError"
    )


def test_unstable_calls_are_not_counterexamples():
    claude = Execution(
        "claude", "ran", behaviour=({"call": "r()", "ok": True, "value": "1", "unstable": True},)
    )
    gpt = Execution("gpt", "ran", behaviour=({"call": "r()", "ok": True, "value": "2"},))
    assert differences([claude, gpt]) == []


def test_two_versions_that_both_raise_agree_and_examples_come_first():
    def run(pid, *entries):
        return Execution(pid, "ran", behaviour=entries)

    probe = BehaviourProbe(
        "m", ("f",), ("f(1)", "f(2)", "f(3)"), ("example", "derived", "boundary")
    )
    claude = run(
        "claude",
        {"call": "f(3)", "ok": True, "value": "0"},
        {"call": "f(1)", "ok": False, "exception": "ValueError"},
        {"call": "f(2)", "ok": True, "value": "4"},
    )
    gpt = run(
        "gpt",
        {"call": "f(3)", "ok": True, "value": "9"},
        {"call": "f(1)", "ok": False, "exception": "IndexError"},
        {"call": "f(2)", "ok": True, "value": "5"},
    )
    found = next(iter(differences([claude, gpt], probe)), None)
    assert found is not None and (found.call, found.origin) == ("f(2)", "derived")
