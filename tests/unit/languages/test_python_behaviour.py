import importlib
import subprocess
import sys

from hypothesis import strategies as st

from counterpoint.core.behaviour import differences, with_shrunk
from counterpoint.languages.python.behaviour import (
    MAX_CALLS,
    _searched,
    candidate_calls,
    isolatable_functions,
    shrink_candidates,
)
from counterpoint.languages.python.inputs import (
    calls_searched,
    example_strategy,
    fits,
    hint_strategy,
    input_size,
)
from counterpoint.languages.testing import BehaviourProbe
from counterpoint.model.execution import Counterexample, Execution

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
    # Then Hypothesis' inputs: shaped like the examples, then drawn from the type hints.
    assert {origins[c] for c in calls[3:]} == {"derived", "typed"}
    assert [origins[c] for c in calls] == sorted(
        (origins[c] for c in calls), key=["example", "derived", "typed"].index
    )
    assert len(calls) == len(set(calls)) <= MAX_CALLS
    for call in calls:
        xs, k = arguments(call)
        assert isinstance(xs, list) and all(isinstance(x, int) for x in xs)
        if origins[call] == "derived":  # the examples never show a negative number
            assert k >= 0 and all(x >= 0 for x in xs), call
    assert any(arguments(c)[1] < 0 for c in calls if origins[c] == "typed")


def arguments(call: str) -> tuple:
    """A call's arguments, as a tuple even when there is one (sets are written `set()`)."""
    text = call[call.index("(") : -1] + ",)"
    return eval(text, {"__builtins__": {}, "set": set, "frozenset": frozenset})


def test_searched_inputs_stay_within_what_the_examples_show():
    functions, _ = isolatable_functions("def count(text, n):\n    pass\n")
    found = candidate_calls(functions, ["count('0110', 2)", "count('01', 3)"], [])
    searched = [arguments(c) for c, origin in found if origin == "derived"]
    assert len(searched) > 20
    assert all(set(text) <= {"0", "1"} and text for text, _ in searched)
    assert all(isinstance(n, int) and n >= 2 for _, n in searched)  # no example is below 2
    lengths = {len(text) for text, _ in searched}
    assert {1, 3, 5} <= lengths  # shorter, between and longer than the examples


def test_derived_inputs_keep_to_the_smallest_sizes_and_numbers_the_examples_show():
    """HumanEval/59 ("Assume n > 1") was asked about largest_prime_factor(1), and HumanEval/20
    ("of length at least two") about find_closest_elements([]): inputs outside the domain."""
    numbers = st.tuples(example_strategy([13195, 2048]))
    assert min(arguments(c)[0] for c in calls_searched("f", numbers, 60)) == 2
    with_one = st.tuples(example_strategy([1, 8]))
    assert min(arguments(c)[0] for c in calls_searched("f", with_one, 60)) == 1
    lists = st.tuples(example_strategy([[1.0, 2.0, 3.0, 4.0, 5.0, 2.2]]))
    assert min(len(arguments(c)[0]) for c in calls_searched("f", lists, 60)) == 2
    singles = st.tuples(example_strategy([[3], [1, 2]]))
    assert min(len(arguments(c)[0]) for c in calls_searched("f", singles, 60)) == 1
    # Text keeps its rule: empty only if an example is.
    texts = st.tuples(example_strategy(["abc"]))
    assert min(len(arguments(c)[0]) for c in calls_searched("f", texts, 60)) == 1


def test_what_the_derived_strategy_could_draw_is_what_fits():
    strategy = example_strategy([[[1, 2], [3]], {"k": 4}])
    assert strategy is not None
    for call in calls_searched("f", st.tuples(strategy), 80):
        assert fits(arguments(call)[0], [[[1, 2], [3]], {"k": 4}]), call
    assert not fits([], [[1, 2]])  # shorter than any example
    assert not fits([[1, 2]], [[[1, 2], [3]]])  # a single row where both examples have two
    assert not fits([1, 1], [[2, 3]])  # below 2, where no example is
    assert not fits(["a", "b"], [[2, 3]])  # another kind of element
    assert not fits("xq", ["xyz"])  # a character no example has
    assert not fits(-1, [0, 5])  # a sign no example has
    assert fits([2, 5], [[2, 3]]) and fits("", ["", "ab"]) and fits(0, [0, 5])


def test_a_difference_on_example_shaped_inputs_shrinks_within_their_shape():
    examples = ["largest_prime_factor(13195)", "largest_prime_factor(2048)"]
    assert "largest_prime_factor(1)" in shrink_candidates("largest_prime_factor(6)")
    within = shrink_candidates("largest_prime_factor(6)", examples)
    assert within and all(arguments(c)[0] >= 2 for c in within)
    closest = ["find_closest_elements([1.0, 2.0, 3.0, 4.0, 5.0, 2.2])"]
    shrunk = shrink_candidates("find_closest_elements([1.0, 1.5, 9.0])", closest)
    assert shrunk and all(len(arguments(c)[0]) >= 2 for c in shrunk)
    assert "find_closest_elements([1.0, 1.5])" in shrunk


def test_nested_shapes_are_searched_recursively_from_the_examples():
    strategy = example_strategy([[[1, 2], [3]], [[4]]])
    assert strategy is not None
    values = [arguments(c)[0] for c in calls_searched("f", st.tuples(strategy), 80)]
    assert all(isinstance(v, list) and v for v in values)  # no example is empty
    assert all(
        isinstance(row, list) and all(isinstance(x, int) for x in row) for v in values for row in v
    )
    assert any(len(v) > 2 for v in values) and any(len(row) > 2 for v in values for row in v)

    records = example_strategy([{"ab": (1, "x")}, {"b": (7, "yz")}])
    assert records is not None
    drawn = [arguments(c)[0] for c in calls_searched("f", st.tuples(records), 60)]
    for record in drawn:
        assert isinstance(record, dict) and record
        for key, (number, text) in record.items():
            assert set(key) <= {"a", "b"} and isinstance(number, int) and number >= 1
            assert set(text) <= {"x", "y", "z"}
    assert any(len(record) > 1 for record in drawn)
    sets = example_strategy([{1, 2}, frozenset({3})])
    assert sets is not None
    kinds = {type(arguments(c)[0]) for c in calls_searched("f", st.tuples(sets), 40)}
    assert kinds == {set, frozenset}


def test_type_hints_give_strategies_from_their_syntax_never_evaluated():
    def drawn(hint: str) -> list:
        strategy = hint_strategy(hint)
        assert strategy is not None, hint
        return [arguments(c)[0] for c in calls_searched("f", st.tuples(strategy), 60)]

    nested = drawn("dict[str, list[int]]")
    assert all(
        isinstance(d, dict)
        and all(isinstance(k, str) and all(isinstance(x, int) for x in v) for k, v in d.items())
        for d in nested
    )
    assert any(d and any(d.values()) for d in nested)
    assert {type(v) for v in drawn("Optional[str]")} == {str, type(None)}
    assert {type(v) for v in drawn("int | None")} == {int, type(None)}
    assert all(isinstance(v, tuple) for v in drawn("tuple[int, ...]"))
    assert all(isinstance(v, list) for v in drawn("typing.List[float]"))
    assert {type(v) for v in drawn("complex")} == {complex}  # Hypothesis' from_type
    assert all(abs(v) <= 1000 for v in drawn("int"))  # small enough for the time budget
    for unreadable in ("Point", "list[Point]", "__import__('os').system('x')", "T", "int]"):
        assert hint_strategy(unreadable) is None, unreadable


def test_typing_hints_in_the_old_spelling_are_searched_too():
    functions, _ = isolatable_functions("from typing import List\ndef f(xs: List[int]): pass\n")
    found = candidate_calls(functions, [], [])
    assert found and {origin for _, origin in found} == {"typed"}
    assert all(isinstance(arguments(c)[0], list) for c, _ in found)
    assert ("f([])", "typed") in found  # Hypothesis starts from the simplest value


def test_an_untyped_function_without_examples_gets_general_small_values():
    functions, _ = isolatable_functions("def f(a, b):\n    return a\n")
    found = candidate_calls(functions, [], [])
    assert len(found) > 50 and {origin for _, origin in found} == {"general"}
    pairs = [arguments(c) for c, _ in found]
    assert pairs[0] == (0, 0)  # simplest first
    integers = [p for p in pairs if all(type(v) is int for v in p)]
    assert len(integers) > 20 and all(abs(v) <= 10 for p in integers for v in p)
    assert {type(v) for p in pairs for v in p} >= {int, list, str}


def test_the_search_is_deterministic():
    functions, _ = isolatable_functions(TARGET)
    first = candidate_calls(functions, [TARGET], [])
    _searched.cache_clear()  # searched again, not remembered
    assert candidate_calls(functions, [TARGET], []) == first


def test_shrinking_proposes_only_simpler_calls_and_ends_at_the_simplest():
    candidates = shrink_candidates("f(3, [1, 2], 'ba')")
    assert "f(0, [1, 2], 'ba')" in candidates and "f(3, [], 'ba')" in candidates
    assert "f(3, [1, 2], '')" in candidates and "f(3, [1, 2], 'aa')" in candidates
    start = input_size((3, [1, 2], "ba"))
    assert all(input_size(arguments(c)) < start for c in candidates)
    # Simplest first, as Hypothesis orders: fewer elements and characters, then smaller ones.
    assert candidates == sorted(candidates, key=lambda c: input_size(arguments(c)))
    assert candidates[:2] == ["f(3, [1, 2], '')", "f(3, [], 'ba')"]
    # Always taking the first candidate reaches the simplest input and stops there.
    call = "f(3, [1, 2], 'ba')"
    for _ in range(50):
        simpler = shrink_candidates(call)
        if not simpler:
            break
        call = simpler[0]
    assert call == "f(0, [], '')"
    assert shrink_candidates("f(xs, 1)") == []  # not literal: nothing to shrink
    assert shrink_candidates("f({'a': (2, -3)})")[:2] == ["f({})", "f({'a': (0, -3)})"]


def test_a_shrunk_difference_takes_its_place_and_says_where_it_came_from():
    found = [
        Counterexample("f(9, 9)", {"claude": "1", "gpt": "2"}, "derived"),
        Counterexample("f(5, 7)", {"claude": "1", "gpt": "3"}, "general"),
    ]
    shrunk = Counterexample("f(0, 1)", {"claude": "0", "gpt": "1"}, "general", "f(5, 7)")
    assert with_shrunk(found, shrunk) == [found[0], shrunk]
    assert with_shrunk(found, None) == found
    assert shrunk.to_json()["shrunk_from"] == "f(5, 7)"
    assert "shrunk_from" not in found[0].to_json()


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

    probe = BehaviourProbe("m", ("f",), ("f(1)", "f(2)", "f(3)"), ("example", "derived", "typed"))
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


def test_the_search_ignores_constants_of_modules_loaded_meanwhile(tmp_path, monkeypatch):
    """Hypothesis mixes in constants from loaded modules that are not installed packages; a
    module loaded between two searches must not change what the second one draws."""
    functions, _ = isolatable_functions("def f(a: str, b: int, c: float):\n    return a\n")
    first = candidate_calls(functions, [], [])
    words = ", ".join(repr(f"w{n}") for n in range(300))
    numbers = ", ".join(str(n) for n in range(-300, 300, 7))
    floats = ", ".join(f"{n}.25" for n in range(-300, 300, 9))
    (tmp_path / "loaded_meanwhile.py").write_text(
        f"WORDS = [{words}]\nNUMBERS = [{numbers}]\nFLOATS = [{floats}]\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    importlib.import_module("loaded_meanwhile")
    _searched.cache_clear()
    assert candidate_calls(functions, [], []) == first


def test_the_search_writes_nothing_in_the_working_directory(tmp_path):
    program = (
        "from counterpoint.languages.python.behaviour import candidate_calls, "
        "isolatable_functions\n"
        "functions, _ = isolatable_functions('def f(s: str, t):\\n    return s\\n')\n"
        "assert candidate_calls(functions, [\"f('ab', [1])\"], [])\n"
    )
    subprocess.run([sys.executable, "-c", program], cwd=tmp_path, check=True, timeout=120)
    assert list(tmp_path.iterdir()) == []
