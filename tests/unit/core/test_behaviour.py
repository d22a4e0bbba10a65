"""What the report may claim of the behaviour probe: only calls that two versions really made."""

from counterpoint.core.behaviour import behaviour_compared
from counterpoint.model.execution import Execution

NAMES = {"claude": "Claude", "gpt": "GPT"}
CALLS = ("f(1)", "f(2)", "f([])")


def answered(pid, *, unstable=()):
    behaviour = tuple(
        {"call": c, "ok": True, "value": "1", **({"unstable": True} if c in unstable else {})}
        for c in CALLS
    )
    return Execution(pid, "ran", behaviour=behaviour)


def not_imported(pid, error="ModuleNotFoundError: No module named 'numpy'"):
    behaviour = tuple(
        {"call": c, "ok": False, "exception": "ImportError: ModuleNotFoundError"} for c in CALLS
    )
    return Execution(pid, "ran", behaviour=behaviour, collection_error=error)


def test_calls_both_versions_answered_are_claimed():
    executions = [Execution("original", "ran"), answered("claude"), answered("gpt")]
    assert behaviour_compared(executions, NAMES) == (3, "behaviour compared on 3 calls")


def test_unstable_calls_are_not_counted_as_compared():
    executions = [answered("claude", unstable=("f(2)",)), answered("gpt")]
    assert behaviour_compared(executions, NAMES)[0] == 2


def test_no_comparison_is_claimed_when_neither_version_could_be_imported():
    executions = [Execution("original", "ran"), not_imported("claude"), not_imported("gpt")]
    assert behaviour_compared(executions, NAMES) == (
        0,
        "behaviour not compared: neither version could be imported "
        "(ModuleNotFoundError: No module named 'numpy')",
    )


def test_a_probe_that_never_ran_because_the_tests_could_not_load_says_so():
    """A test file that fails to import stops pytest before the probe runs: no behaviour."""
    error = "ModuleNotFoundError: No module named 'numpy'"
    executions = [Execution(pid, "ran", collection_error=error) for pid in ("claude", "gpt")]
    assert behaviour_compared(executions, NAMES) == (
        0,
        f"behaviour not compared: neither version could be imported ({error})",
    )


def test_one_version_that_cannot_be_imported_is_named():
    executions = [answered("claude"), not_imported("gpt", error="")]
    assert behaviour_compared(executions, NAMES) == (
        0,
        "behaviour not compared: GPT's version could not be imported",
    )


def test_a_probe_that_did_not_run_or_a_lone_proposal_compares_nothing():
    assert behaviour_compared([answered("claude"), Execution("gpt", "error")], NAMES) == (
        0,
        "behaviour not compared: fewer than two versions ran the probe",
    )
    assert behaviour_compared([answered("claude")], NAMES) == (
        0,
        "behaviour not compared: there is only one proposal",
    )
