"""Which proposals get a second try, and the evidence each is given.

A proposal may revise when it fails a test that another version passes: a workspace test or
doctest the original or the other proposal passes, another family's test the other proposal
passes, or a test written from the user's answer. A test every version fails says nothing about
this proposal, and a family's own tests are its own claim, so neither triggers a revision.
"""

from __future__ import annotations

import ast
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass

from counterpoint.model.execution import EXPECTED, Counterexample, Execution, TestOutcome
from counterpoint.model.report import Proposal
from counterpoint.model.vocabulary import Outcome

MAX_FAILING_QUOTED = 3  # tests quoted in one revision prompt, most telling first
MESSAGE_CHARS = 2_000  # of each test's failure output

# The order in which failing tests are quoted: the user's word first, then the workspace's.
_SOURCE_RANK = {EXPECTED: 0, "workspace": 1, "doctest": 2}


@dataclass(frozen=True)
class FailingTest:
    """One test a proposal fails, as its revision prompt quotes it."""

    id: str
    source: str
    message: str  # cut to MESSAGE_CHARS; the prompt redacts it like everything it sends
    code: str = ""  # the test's text, when a model wrote it
    # A test written from the user's answer: the input, what each version returned (by voice
    # name) and what the user expects.
    call: str = ""
    outputs: tuple[tuple[str, str], ...] = ()
    expected: str = ""


@dataclass(frozen=True)
class RepairCase:
    voice: str  # the proposal (voice) id that may revise
    failing: tuple[FailingTest, ...]  # at least one; the first is the reason shown


def repair_cases(
    proposals: Sequence[Proposal],
    executions: Sequence[Execution],
    *,
    expectations: Sequence[str] = (),
    counterexamples: Sequence[Counterexample] = (),
    names: Mapping[str, str] | None = None,
    excluded: Collection[str] = (),
) -> list[RepairCase]:
    """The proposals that fail a test another version passes, in `proposals`' order; those in
    `excluded` (e.g. a voice whose last revision could not be made) are left out."""
    names = names or {}
    by_version = {e.proposal: e for e in executions}
    cases = []
    for proposal in proposals:
        execution = by_version.get(proposal.id)
        if proposal.id in excluded or execution is None or not execution.ran:
            continue
        passed_elsewhere = {
            t.id
            for other in executions
            if other.proposal != proposal.id
            for t in other.tests
            if t.outcome == Outcome.PASSED
        }
        # A file this version could not load (its code does not import) is one error under the
        # file's id, where the others ran its tests one by one.
        loaded_elsewhere = {_file_of(test_id) for test_id in passed_elsewhere}
        failing = [
            t
            for t in execution.failing()
            if t.source != proposal.id
            and (
                t.id in passed_elsewhere
                or t.source == EXPECTED
                or (t.outcome == Outcome.ERROR and _file_of(t.id) in loaded_elsewhere)
            )
        ]
        if not failing:
            continue
        failing.sort(key=lambda t: _SOURCE_RANK.get(t.source, 3))
        cases.append(
            RepairCase(
                proposal.id,
                tuple(
                    _evidence(t, proposals, expectations, counterexamples, names)
                    for t in failing[:MAX_FAILING_QUOTED]
                ),
            )
        )
    return cases


def _file_of(test_id: str) -> str:
    return test_id.split("::", 1)[0]


def shortened(text: str, limit: int = MESSAGE_CHARS) -> str:
    """The head and the tail of a long output: an assertion's detail is often at its end."""
    if len(text) <= limit:
        return text
    half = limit // 2
    return f"{text[:half]}\n… ({len(text) - 2 * half} characters left out) …\n{text[-half:]}"


def _evidence(
    test: TestOutcome,
    proposals: Sequence[Proposal],
    expectations: Sequence[str],
    counterexamples: Sequence[Counterexample],
    names: Mapping[str, str],
) -> FailingTest:
    message = shortened(test.message.strip())
    if test.source == EXPECTED:
        answered = _expectation_of(test, expectations)
        if answered is not None:
            call, expected = answered
            outputs = next(
                (
                    tuple((names.get(p, p), result) for p, result in c.outcomes.items())
                    for c in counterexamples
                    if _same_expression(c.call, call)
                ),
                (),
            )
            return FailingTest(test.id, test.source, message, "", call, outputs, expected)
    writer = next((p for p in proposals if p.id == test.source), None)
    code = _test_code(test.id, writer.tests) if writer is not None else ""
    return FailingTest(test.id, test.source, message, code)


def _expectation_of(test: TestOutcome, expectations: Sequence[str]) -> tuple[str, str] | None:
    """The (call, expected value) of the user's expectation this test checks: the one whose
    call its id or message shows, or the only one there is."""
    parsed = [split for text in expectations if (split := _call_and_expected(text))]
    shown = [p for p in parsed if p[0] in test.message or p[0] in test.id]
    if len(shown) == 1:
        return shown[0]
    return parsed[0] if len(parsed) == 1 else None


def _call_and_expected(expectation: str) -> tuple[str, str] | None:
    """ "f(3) == [1, 2, 3]" → ("f(3)", "[1, 2, 3]"); None for any other shape."""
    try:
        tree = ast.parse(expectation.strip(), mode="eval").body
    except SyntaxError:
        return None
    if isinstance(tree, ast.Compare) and len(tree.ops) == 1 and isinstance(tree.ops[0], ast.Eq):
        return ast.unparse(tree.left), ast.unparse(tree.comparators[0])
    return None


def _same_expression(one: str, other: str) -> bool:
    try:
        return ast.unparse(ast.parse(one, mode="eval")) == ast.unparse(
            ast.parse(other, mode="eval")
        )
    except SyntaxError:
        return one.strip() == other.strip()


def _test_code(test_id: str, tests: Sequence[str]) -> str:
    """The model-written test function this id names, if one of `tests` defines it."""
    name = test_id.rsplit("::", 1)[-1].split("[", 1)[0]
    return next((t for t in tests if f"def {name}(" in t), "")
