"""Who revises, with what evidence, and the revision prompt that carries it."""

from __future__ import annotations

from dataclasses import replace

from counterpoint.core.prompts import revision_call
from counterpoint.core.render import render_markdown, render_text
from counterpoint.core.repair import MESSAGE_CHARS, FailingTest, repair_cases, shortened
from counterpoint.core.schemas import REVISION_TOOL
from counterpoint.core.secrets import Redactor
from counterpoint.model.calls import Usage
from counterpoint.model.execution import EXPECTED, ORIGINAL, Counterexample, Execution, TestOutcome
from counterpoint.model.report import Proposal, Revision
from counterpoint.model.vocabulary import ConfidenceLabel, ExecutionStatus, Outcome, RevisionStatus
from tests.prompt_blocks import split_blocks
from tests.unit.core.test_prompts import context_of
from tests.unit.core.test_render import report

AWS_KEY = "AKIAIOSFODNN7EXAMPLE"
ENV_SECRET = "sk-live-0123456789abcdef0123"


def proposal(voice: str, tests: tuple[str, ...] = ()) -> Proposal:
    return Proposal(voice, voice.upper(), "p", "m", f"# {voice}\n", "", tests, Usage(), True, 0.0)


def run(version: str, *tests: tuple[str, str, Outcome, str]) -> Execution:
    return Execution(
        version,
        ExecutionStatus.RAN,
        tuple(TestOutcome(i, source, outcome, message) for i, source, outcome, message in tests),
    )


PASS, FAIL = Outcome.PASSED, Outcome.FAILED
CLAUDE, GPT = proposal("claude", ("def test_c():\n    assert f(1) == 2\n",)), proposal("gpt")


def test_a_workspace_test_another_version_passes_triggers_a_revision():
    executions = [
        run(ORIGINAL, ("t::test_a", "workspace", PASS, "")),
        run("claude", ("t::test_a", "workspace", PASS, "")),
        run("gpt", ("t::test_a", "workspace", FAIL, "assert 1 == 2")),
    ]
    (case,) = repair_cases([CLAUDE, GPT], executions)
    assert case.voice == "gpt"
    assert case.failing == (FailingTest("t::test_a", "workspace", "assert 1 == 2"),)


def test_code_that_cannot_be_imported_revises_with_the_collection_error():
    executions = [
        run("claude", ("tests/t.py::test_a", "workspace", PASS, "")),
        run(
            "gpt",
            ("tests/t.py::tests.t", "workspace", Outcome.ERROR, "collection failure: SyntaxError"),
        ),
    ]
    (case,) = repair_cases([CLAUDE, GPT], executions)
    assert case.voice == "gpt" and case.failing[0].message == "collection failure: SyntaxError"


def test_a_test_every_version_fails_and_a_familys_own_tests_trigger_nothing():
    executions = [
        run(ORIGINAL, ("t::test_a", "workspace", FAIL, "")),
        run("claude", ("t::test_a", "workspace", FAIL, ""), ("m::test_c", "claude", PASS, "")),
        run("gpt", ("t::test_a", "workspace", FAIL, ""), ("m::test_g", "gpt", FAIL, "")),
    ]
    assert repair_cases([CLAUDE, GPT], executions) == []


def test_the_other_familys_test_comes_with_its_code_and_excluded_voices_are_left_out():
    executions = [
        run("claude", ("m::test_c", "claude", PASS, "")),
        run("gpt", ("m::test_c", "claude", FAIL, "assert 3 == 2")),
    ]
    (case,) = repair_cases([CLAUDE, GPT], executions)
    assert case.failing[0].code == CLAUDE.tests[0]
    assert repair_cases([CLAUDE, GPT], executions, excluded={"gpt"}) == []


def test_the_users_answer_comes_first_with_the_input_both_results_and_the_expected_value():
    executions = [
        run(
            "claude",
            ("t::test_a", "workspace", PASS, ""),
            ("e::test_expected_1", EXPECTED, PASS, ""),
        ),
        run(
            "gpt",
            ("t::test_a", "workspace", FAIL, "boom"),
            ("e::test_expected_1", EXPECTED, FAIL, "assert [0, 1, 2] == [1, 2, 3]"),
        ),
    ]
    found = [Counterexample("count_up_to(3)", {"claude": "[1, 2, 3]", "gpt": "[0, 1, 2]"})]
    (case,) = repair_cases(
        [CLAUDE, GPT],
        executions,
        expectations=["count_up_to( 3 ) == [1, 2, 3]"],
        counterexamples=found,
        names={"claude": "Claude", "gpt": "GPT"},
    )
    answer, workspace = case.failing
    assert workspace.id == "t::test_a"
    assert answer.call == "count_up_to(3)" and answer.expected == "[1, 2, 3]"
    assert answer.outputs == (("Claude", "[1, 2, 3]"), ("GPT", "[0, 1, 2]"))

    call = revision_call(context_of(), "fix", "shapes.py", GPT.code, case.failing, ())
    blocks, _ = split_blocks(call.user, call.delimiter_token)
    (quoted,) = [b for b in blocks if b.kind == "user-answer"]
    assert quoted.text == (
        "input: count_up_to(3)\nClaude → [1, 2, 3]\nGPT → [0, 1, 2]\nexpected: [1, 2, 3]"
    )
    assert "the user is right" in call.system


def test_the_revision_prompt_holds_the_failing_test_id_its_output_and_both_codes():
    failing = [FailingTest("tests/test_w.py::test_window", "workspace", "assert [1] == []")]
    call = revision_call(
        context_of(), "fix it", "shapes.py", "def area(r):\n    return 0\n", failing, ()
    )
    assert call.schema_name == REVISION_TOOL
    blocks, outside = split_blocks(call.user, call.delimiter_token)
    by_kind = {b.kind: b for b in blocks}
    assert by_kind["original"].text == context_of().target_code.rstrip("\n")
    assert by_kind["own-proposal"].text == "def area(r):\n    return 0"
    failure = by_kind["test-failure"]
    assert failure.text == "tests/test_w.py::test_window\nassert [1] == []"
    assert 'id="tests/test_w.py::test_window"' in failure.opening
    # The test output is data: nothing of it stands outside the blocks.
    assert "assert [1]" not in outside and outside.startswith("Instruction: fix it\n\n")


def test_a_secret_in_the_failure_output_is_redacted_from_the_revision_prompt():
    output = f"E   KeyError: token {ENV_SECRET} and aws_access_key_id = {AWS_KEY}"
    failing = [FailingTest("t::test_a", "workspace", output)]
    redactor = Redactor([ENV_SECRET])
    call = revision_call(context_of(), "fix", "shapes.py", "x = 1\n", failing, redactor)
    assert ENV_SECRET not in call.user and AWS_KEY not in call.user
    assert "REDACTED" in call.user and "t::test_a" in call.user
    assert redactor.total == 2


def test_a_long_failure_output_keeps_its_head_and_its_tail():
    text = "head " + "x" * 10_000 + " tail"
    cut = shortened(text)
    assert len(cut) < MESSAGE_CHARS + 100
    assert cut.startswith("head ") and cut.endswith(" tail") and "characters left out" in cut


def with_revision(status, execution=None, round_number=1, note=""):
    revision = Revision(
        round_number, "claude", "tests/t.py::test_x", "workspace", "assert 1 == 2",
        ("tests/t.py::test_x",), status, note=note, execution=execution,
    )  # fmt: skip
    return replace(report(ConfidenceLabel.VERIFIED_ONE), revisions=(revision,))


def test_the_text_and_the_hover_say_what_each_round_did():
    passing = run("claude", ("tests/t.py::test_x", "workspace", PASS, ""))
    failing = run("claude", ("tests/t.py::test_x", "workspace", FAIL, "assert 1 == 2"))
    said = {
        "passes": with_revision(RevisionStatus.REVISED, passing),
        "fails": with_revision(RevisionStatus.REVISED, failing, round_number=2),
        "not made": with_revision(RevisionStatus.NOT_MADE, note="not sent: it could cost $1"),
        "failed": with_revision(RevisionStatus.FAILED, note="unreadable reply"),
    }
    expected = {
        "passes": "Claude revised its proposal after failing test_x; the revision passes it, "
        "and passes its one test.",
        "fails": "Claude revised its proposal (round 2) after failing test_x; the revision "
        "fails it too.",
        "not made": "Claude did not revise its proposal after failing test_x: the cost cap "
        "could not afford the call (not sent: it could cost $1).",
        "failed": "Claude's revision after failing test_x was not used; its proposal stands "
        "as it was.",
    }
    for case, shown in said.items():
        assert expected[case] in render_text(shown, "m.py"), case
        assert f"- {expected[case]}" in render_markdown(shown, "python"), case
