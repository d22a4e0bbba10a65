"""The confidence rules, case by case: execution outranks opinion."""

from dataclasses import replace

from counterpoint.core.confidence import assess
from counterpoint.languages.testing import TestOutcome
from counterpoint.model.calls import Usage
from counterpoint.model.execution import Counterexample, Execution
from counterpoint.model.report import Failure, Judgment, Proposal

NAMES = {"claude": "Claude", "gpt": "GPT"}


def proposal(pid):
    return Proposal(pid, NAMES[pid], "x", "m", "code", "", (), Usage(), True, 0.0)


def judged(target, verdict="correct", confidence=0.9):
    judge = "gpt" if target == "claude" else "claude"
    return Judgment(judge, "x", "m", target, verdict, confidence, "", (), Usage(), 0.0)


def run(pid, status="ran", regressions=(), **outcomes):
    tests = tuple(
        TestOutcome(test_id, source, outcome) for test_id, (source, outcome) in outcomes.items()
    )
    return Execution(pid, status, tests, regressions=tuple(regressions))


BASELINE = run("original", t1=("workspace", "passed"), t2=("workspace", "failed"))
BOTH = [proposal("claude"), proposal("gpt")]
ACCEPTED = [judged("claude"), judged("gpt")]


def label(proposals=BOTH, judgments=ACCEPTED, executions=(), failures=()):
    result = assess(proposals, judgments, failures, False, NAMES, executions)
    return result.confidence.label, result.recommended


def passing(pid, **extra):
    return run(pid, t1=("workspace", "passed"), t2=("workspace", "passed"), **extra)


def test_everything_passes_and_both_judges_accept():
    executions = [BASELINE, passing("claude"), passing("gpt")]
    assert label(executions=executions) == ("verified-agreement", "claude")


def test_agreement_without_any_test_is_only_unverified():
    assert label() == ("unverified", "claude")


def test_without_tests_the_probe_alone_decides_nothing_but_an_example_difference_disputes():
    probe_only = [run("claude"), run("gpt")]  # ran, no tests: only the behaviour probe
    searched = Counterexample("f(0, 1)", {"claude": "1", "gpt": "0"}, "general")
    result = assess(BOTH, ACCEPTED, (), False, NAMES, probe_only, [searched])
    assert (result.confidence.label, result.recommended) == ("unverified", "claude")
    assert result.confidence.reasons[0] == (
        "the proposals differ in text, and in behaviour on inputs no example shows"
    )
    written = Counterexample("f(2, 2)", {"claude": "2", "gpt": "0"}, "example")
    result = assess(BOTH, ACCEPTED, (), False, NAMES, probe_only, [written, searched])
    assert (result.confidence.label, result.recommended) == ("disputed", None)
    assert result.confidence.reasons[0] == "no test decides where their behaviour differs"
    assert "they behave differently on f(2, 2): Claude → 2, GPT → 0" in result.confidence.reasons


def test_a_judge_rejection_blocks_verified_agreement():
    executions = [BASELINE, passing("claude"), passing("gpt")]
    judgments = [judged("claude"), judged("gpt", "incorrect")]
    assert label(judgments=judgments, executions=executions) == ("disputed", "claude")


def test_a_proposal_that_breaks_a_passing_test_is_never_recommended():
    broken = run("gpt", regressions=["t1"], t1=("workspace", "failed"), t2=("workspace", "passed"))
    executions = [BASELINE, passing("claude"), broken]
    judgments = [judged("claude", confidence=0.5), judged("gpt", confidence=0.99)]
    assert label(judgments=judgments, executions=executions) == ("verified-one", "claude")


def test_leaving_a_failing_test_failing_loses_to_fixing_it():
    still_failing = run("claude", t1=("workspace", "passed"), t2=("workspace", "failed"))
    executions = [BASELINE, still_failing, passing("gpt")]
    # Claude leaves t2 failing as it was; GPT makes it pass. Neither broke anything.
    assert label(executions=executions) == ("verified-one", "gpt")


def test_a_test_every_version_fails_verifies_nothing():
    def still_failing(pid):
        return run(pid, t1=("workspace", "passed"), t2=("workspace", "failed"))

    executions = [BASELINE, still_failing("claude"), still_failing("gpt")]
    assert label(executions=executions) == ("both-fail", None)


def test_the_other_familys_tests_decide_when_workspace_tests_agree():
    claude = passing("claude", c1=("claude", "passed"), g1=("gpt", "passed"))
    gpt = passing("gpt", c1=("claude", "failed"), g1=("gpt", "passed"))
    executions = [BASELINE, claude, gpt]
    assert label(executions=executions) == ("verified-one", "claude")


def test_each_fails_the_others_tests_is_disputed():
    claude = passing("claude", c1=("claude", "passed"), g1=("gpt", "failed"))
    gpt = passing("gpt", c1=("claude", "failed"), g1=("gpt", "passed"))
    assert label(executions=[BASELINE, claude, gpt])[0] == "disputed"


def test_both_breaking_tests_is_both_fail_with_no_recommendation():
    claude = run("claude", regressions=["t1"], t1=("workspace", "failed"))
    gpt = run("gpt", regressions=["t1"], t1=("workspace", "failed"))
    assert label(executions=[BASELINE, claude, gpt]) == ("both-fail", None)


def test_a_timed_out_run_is_never_recommended():
    stuck = run("gpt", "timed_out", t1=("workspace", "passed"))
    assert label(executions=[BASELINE, passing("claude"), stuck]) == ("verified-one", "claude")


def test_a_missing_judgment_is_not_cross_checked_even_when_tests_pass():
    executions = [BASELINE, passing("claude"), passing("gpt")]
    assert label(judgments=[judged("claude")], executions=executions) == (
        "not-cross-checked",
        "claude",
    )


def test_a_lone_unjudged_proposal_is_not_recommended():
    assert label(proposals=[proposal("claude")], judgments=[]) == ("not-cross-checked", None)


GPT_DOWN = (Failure("gpt", "openai", "propose", "overloaded", "Overloaded"),)


def lone(executions, judgments=()):
    return assess([proposal("claude")], judgments, GPT_DOWN, False, NAMES, executions)


def test_a_lone_proposal_that_passes_every_test_and_fixes_the_failing_one_is_recommended():
    fixes = run(
        "claude", t1=("workspace", "passed"), t2=("workspace", "passed"), c1=("claude", "passed")
    )
    fixes = replace(fixes, fixed=("t2",))
    result = lone([BASELINE, fixes])
    assert (result.confidence.label, result.recommended) == ("not-cross-checked", "claude")
    assert result.confidence.reasons[0] == (
        "Claude's proposal is recommended although not cross-checked: it passes all 3 tests it "
        "ran, 1 of which the original failed"
    )
    assert "Claude's proposal was not cross-checked" in result.confidence.reasons


def test_a_lone_proposal_is_not_recommended_on_less():
    still_failing = run("claude", t1=("workspace", "passed"), t2=("workspace", "failed"))
    fails_own = passing("claude", c1=("claude", "failed"))
    only_own = run("claude", c1=("claude", "passed"))
    stuck = run("claude", "timed_out", t1=("workspace", "passed"), t2=("workspace", "passed"))
    for execution in (still_failing, fails_own, only_own, stuck):
        assert lone([BASELINE, execution]).recommended is None, execution
    assert lone([]).recommended is None  # no test ran at all
    # A judge that did answer and rejects it outweighs the tests: no recommendation.
    rejected = lone([BASELINE, passing("claude")], [judged("claude", "incorrect")])
    assert rejected.recommended is None


def test_no_proposal_is_failed():
    assert label(proposals=[], judgments=[]) == ("failed", None)


def test_a_counterexample_no_test_decides_blocks_agreement_and_recommendation():
    executions = [BASELINE, passing("claude"), passing("gpt")]
    difference = Counterexample("f(0)", {"claude": "1", "gpt": "2"})
    result = assess(BOTH, ACCEPTED, (), False, NAMES, executions, [difference])
    assert (result.confidence.label, result.recommended) == ("disputed", None)
    assert "they behave differently on f(0): Claude → 1, GPT → 2" in result.confidence.reasons


def test_a_difference_on_a_searched_input_outside_the_examples_does_not_deny_agreement():
    executions = [BASELINE, passing("claude"), passing("gpt")]
    for origin, note in [
        ("typed", "an input drawn from its type hints"),
        ("general", "nothing to show what the function accepts"),
    ]:
        searched = Counterexample("f([])", {"claude": "0", "gpt": "raises ValueError"}, origin)
        result = assess(BOTH, ACCEPTED, (), False, NAMES, executions, [searched])
        assert (result.confidence.label, result.recommended) == ("verified-agreement", "claude")
        assert any(
            "differ only where the examples give no guidance" in r and note in r
            for r in result.confidence.reasons
        )

    derived = Counterexample("f([2, 1])", {"claude": "[1, 2]", "gpt": "[2, 1]"}, "derived")
    result = assess(BOTH, ACCEPTED, (), False, NAMES, executions, [derived, searched])
    assert (result.confidence.label, result.recommended) == ("disputed", None)
    assert any("an input varied from the examples" in r for r in result.confidence.reasons)


def test_tests_that_could_not_be_loaded_say_why_in_the_reasons():
    error = "ModuleNotFoundError: No module named 'numpy'"
    failing = run("claude", t1=("workspace", "error"))
    executions = [BASELINE, replace(failing, collection_error=error), passing("gpt")]
    result = assess(BOTH, ACCEPTED, (), False, NAMES, executions)
    assert f"Claude's proposal passes 0/1 tests; its tests could not be loaded: {error}" in (
        result.confidence.reasons
    )


# -- the user's expectations (`check --expect`, an answered question) -----------------------


def test_an_expectation_decides_what_the_models_own_tests_leave_the_other_way():
    # GPT's own test pins GPT's behaviour, and Claude fails it; the user expects Claude's.
    claude = passing("claude", mine=("gpt", "failed"), e1=("expected", "passed"))
    gpt = passing("gpt", mine=("gpt", "passed"), e1=("expected", "failed"))
    result = assess(BOTH, ACCEPTED, (), False, NAMES, [BASELINE, claude, gpt])
    assert (result.confidence.label, result.recommended) == ("verified-one", "claude")
    assert result.confidence.reasons[0] == (
        "Claude's proposal passes every expectation you gave; GPT's fails e1"
    )
    # Without the expectation, the models' tests alone would have picked GPT.
    without = [BASELINE, passing("claude", mine=("gpt", "failed")), passing("gpt")]
    assert label(executions=without) == ("verified-one", "gpt")


def test_a_proposal_failing_an_expectation_is_never_recommended():
    # The judges prefer GPT and its run passes the workspace's tests; it fails the user's.
    gpt = passing("gpt", e1=("expected", "failed"))
    judgments = [judged("claude", "incorrect"), judged("gpt", confidence=0.99)]
    executions = [BASELINE, passing("claude"), gpt]
    assert label(judgments=judgments, executions=executions) == ("verified-one", "claude")
    # Nor alone, not cross-checked, though it passes the workspace's tests.
    lone = assess([proposal("gpt")], [], (), False, NAMES, [BASELINE, gpt])
    assert lone.recommended is None


def test_expectations_both_fail_recommend_neither():
    claude = passing("claude", e1=("expected", "failed"))
    gpt = passing("gpt", e1=("expected", "failed"))
    assert label(executions=[BASELINE, claude, gpt]) == ("both-fail", None)


def test_expectations_both_pass_leave_the_usual_rules():
    claude = passing("claude", e1=("expected", "passed"))
    gpt = passing("gpt", e1=("expected", "passed"))
    assert label(executions=[BASELINE, claude, gpt]) == ("verified-agreement", "claude")


# -- a verdict that rests on a single test says so ------------------------------------------


def reasons_of(executions):
    return assess(BOTH, ACCEPTED, (), False, NAMES, executions).confidence.reasons


def test_a_verified_one_decided_by_one_test_says_so():
    loser = run("gpt", t1=("workspace", "passed"), t2=("workspace", "failed"))
    reasons = reasons_of([BASELINE, passing("claude"), loser])
    assert reasons[:2] == (
        "Claude's proposal passes tests the other fails",
        "this rests on one test (t2)",
    )


def test_a_verified_one_decided_by_two_tests_does_not():
    loser = run("gpt", t1=("workspace", "failed"), t2=("workspace", "failed"))
    reasons = reasons_of([BASELINE, passing("claude"), loser])
    assert reasons[0] == "Claude's proposal passes tests the other fails"
    assert not any("rests on one test" in r for r in reasons)


def test_an_agreement_on_a_single_test_says_so():
    def one(pid):
        return run(pid, only=("workspace", "passed"))

    result = assess(BOTH, ACCEPTED, (), False, NAMES, [BASELINE, one("claude"), one("gpt")])
    assert result.confidence.label == "verified-agreement"
    assert result.confidence.reasons[0] == "this rests on one test (only)"
    wider = reasons_of([BASELINE, passing("claude"), passing("gpt")])
    assert not any("rests on one test" in r for r in wider)


def test_one_expectation_deciding_says_so():
    claude = passing("claude", e1=("expected", "passed"))
    gpt = passing("gpt", e1=("expected", "failed"))
    assert reasons_of([BASELINE, claude, gpt])[1] == "this rests on one test (e1)"
