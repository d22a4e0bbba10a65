"""The one place that decides the confidence label and the recommended proposal.

Execution outranks opinion; opinion only decides what execution leaves open. Two models can share
a bug, so agreement alone never earns a `verified-*` label: those need tests that ran.

Labels, most to least trusted:
- verified-agreement: every proposal passes every test that ran (workspace, doctests and each
  family's own tests) with nothing broken, every judge accepts, and differential testing found
  no input on which they behave differently.
- verified-one: one proposal passes tests another fails, and nothing else contradicts it; or it
  passes every expectation the user gave (`--expect`, an answered question) and every other
  proposal fails one, whatever the models' own tests say.
- unverified: proposals and judges agree, but no test ran.
- disputed: a judge rejects a proposal, or tests leave the proposals split without a winner.
- both-fail: every proposal fails a workspace test or doctest, whether it broke it or left it
  failing as it was.
- not-cross-checked: a proposal is missing or was not judged (a provider failed). A lone
  proposal is still recommended when no judge rejects it and it passes every test it ran,
  workspace tests or doctests among them, fixing any the original failed.
- failed: no proposal arrived.
A proposal that breaks a test the original passed, or fails an expectation the user gave, is never
recommended.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass

from counterpoint.core.wording import decided_by_expectations, rests_on_one_test
from counterpoint.model.execution import EXPECTED, USER_SOURCES, Counterexample, Execution
from counterpoint.model.report import Confidence, Failure, Judgment, Proposal
from counterpoint.model.vocabulary import ConfidenceLabel, ExecutionStatus, Outcome, Verdict

ORIGIN_NOTES = {
    "derived": " (an input varied from the examples)",
    "typed": " (an input drawn from its type hints; the examples do not show it)",
    "general": " (an input Counterpoint tried with nothing to show what the function accepts)",
}


@dataclass(frozen=True)
class Assessment:
    confidence: Confidence
    recommended: str | None


@dataclass(frozen=True)
class _Evidence:
    """What execution says about one proposal."""

    ran: bool
    # workspace tests, doctests and the user's expectations it fails, old or new
    workspace_failures: frozenset[str]
    model_failures: frozenset[str]  # ids of model-written tests it fails
    broken: tuple[str, ...]  # tests the original passed that now fail
    completed: bool = True  # the run finished within its time limit
    expected_failures: frozenset[str] = frozenset()  # the user's expectations it fails
    expected_passed: int = 0

    @property
    def workspace_ok(self) -> bool:
        return self.completed and not self.workspace_failures


def assess(
    proposals: Sequence[Proposal],
    judgments: Sequence[Judgment],
    failures: Sequence[Failure],
    same_code: bool,
    voice_names: Mapping[str, str],
    executions: Sequence[Execution] = (),
    differences: Sequence[Counterexample] = (),
) -> Assessment:
    """Label the run and pick the proposal to recommend (None when nothing earns it).
    `differences` are the inputs on which the proposals behave differently, most trusted first."""
    reasons: list[str] = []
    deciding = [d for d in differences if blocks_agreement(d)]
    counterexample = deciding[0] if deciding else None

    def name(voice_id: str | None) -> str:
        return voice_names.get(voice_id or "", voice_id or "?")

    for failure in failures:
        target = f" {name(failure.target)}'s proposal" if failure.target else ""
        reasons.append(
            f"{name(failure.voice_id)} could not {failure.stage}{target}: {failure.kind}"
        )
    if not proposals:
        return Assessment(
            Confidence(ConfidenceLabel.FAILED, (*reasons, "no proposal arrived")), None
        )

    verdicts = {j.target: j for j in judgments}
    for proposal in proposals:
        judgment = verdicts.get(proposal.id)
        if judgment is None:
            reasons.append(f"{proposal.voice_name}'s proposal was not cross-checked")
        else:
            reasons.append(
                f"{name(judgment.judge)} judges {proposal.voice_name}'s proposal "
                f"{judgment.verdict} ({judgment.confidence:.0%})"
            )

    by_proposal = {e.proposal: e for e in executions}
    evidence = {p.id: _evidence(by_proposal.get(p.id)) for p in proposals}
    ran = [p for p in proposals if evidence[p.id].ran]
    reasons += _execution_reasons(proposals, evidence, by_proposal)
    if counterexample:
        reasons.append(
            f"they behave differently on {counterexample.describe(voice_names)}"
            + ORIGIN_NOTES.get(counterexample.origin, "")
        )
    elif differences:
        reasons.append(
            f"they differ only where the examples give no guidance, on "
            f"{differences[0].describe(voice_names)}{ORIGIN_NOTES.get(differences[0].origin, '')}"
        )

    accepted = {
        p.id for p in proposals if p.id in verdicts and verdicts[p.id].verdict == Verdict.CORRECT
    }
    rejected = {p.id for p in proposals if p.id in verdicts and p.id not in accepted}
    eligible = [
        p for p in proposals if not evidence[p.id].broken and not evidence[p.id].expected_failures
    ]

    def pick(candidates: Sequence[Proposal]) -> str | None:
        """Prefer what passes more of the tests, then what the judge accepts."""
        ranked = [p for p in candidates if p in eligible]
        if not ranked:
            return None
        best = max(
            ranked,
            key=lambda p: (
                -len(evidence[p.id].workspace_failures),
                -len(evidence[p.id].model_failures),
                p.id in accepted,
                verdicts[p.id].confidence if p.id in verdicts else 0.0,
            ),
        )
        return best.id if best.id in accepted or evidence[best.id].ran else None

    unchecked = len(proposals) < 2 or any(p.id not in verdicts for p in proposals)
    if unchecked:
        checked = [p for p in eligible if p.id in accepted and evidence[p.id].workspace_ok]
        recommended = pick(checked)
        lone = proposals[0] if len(proposals) == 1 else None
        if recommended is None and lone is not None and lone.id not in rejected:
            proven = _proven_alone(evidence[lone.id], by_proposal.get(lone.id))
            if proven:
                reasons.insert(0, f"{lone.voice_name}'s proposal is recommended {proven}")
                recommended = lone.id
        return Assessment(
            Confidence(ConfidenceLabel.NOT_CROSS_CHECKED, tuple(reasons)), recommended
        )

    if not ran:
        reasons.append("no tests ran, so nothing is verified by execution")
        if counterexample:  # the probe ran without tests, on inputs someone wrote or like them
            reasons.insert(0, "no test decides where their behaviour differs")
            return Assessment(Confidence(ConfidenceLabel.DISPUTED, tuple(reasons)), None)
        if len(accepted) == len(proposals):
            if same_code:
                shown = "both proposals are the same code"
            elif differences:
                shown = "the proposals differ in text, and in behaviour on inputs no example shows"
            else:
                shown = "the proposals differ in text; whether they differ in behaviour is untested"
            reasons.insert(0, shown)
            return Assessment(
                Confidence(ConfidenceLabel.UNVERIFIED, tuple(reasons)), pick(proposals)
            )
        return Assessment(
            Confidence(ConfidenceLabel.DISPUTED, tuple(reasons)),
            pick([p for p in proposals if p.id in accepted]),
        )

    decided = _decided_by_expectations(proposals, evidence)
    if decided is not None:
        others = [p for p in proposals if p.id != decided.id]
        failed = sorted({t for p in others for t in evidence[p.id].expected_failures})
        losers = [p.voice_name for p in others]
        reasons.insert(0, decided_by_expectations(decided.voice_name, losers, failed))
        reasons[1:1] = _single_test(_failed_by(others, evidence, by_proposal))
        return Assessment(Confidence(ConfidenceLabel.VERIFIED_ONE, tuple(reasons)), decided.id)

    passing = [p for p in ran if evidence[p.id].workspace_ok]
    if not passing:
        return Assessment(Confidence(ConfidenceLabel.BOTH_FAIL, tuple(reasons)), None)

    clean = [p for p in passing if not evidence[p.id].model_failures]
    all_ran = len(ran) == len(proposals)
    agree = all_ran and len(clean) == len(proposals) and len(accepted) == len(proposals)
    if agree and not counterexample:
        reasons[0:0] = _single_test({t.id for p in proposals for t in by_proposal[p.id].tests})
        return Assessment(
            Confidence(ConfidenceLabel.VERIFIED_AGREEMENT, tuple(reasons)), pick(proposals)
        )
    if agree:
        reasons.insert(0, "every test passes, but no test decides where their behaviour differs")
        return Assessment(Confidence(ConfidenceLabel.DISPUTED, tuple(reasons)), None)
    winners = clean or passing
    if len(winners) < len(proposals) and len(winners) == 1:
        winner = winners[0]
        if _beats_the_rest(winner, proposals, evidence):
            reasons.insert(0, f"{winner.voice_name}'s proposal passes tests the other fails")
            beaten = [p for p in proposals if p.id != winner.id]
            reasons[1:1] = _single_test(_failed_by(beaten, evidence, by_proposal))
            return Assessment(Confidence(ConfidenceLabel.VERIFIED_ONE, tuple(reasons)), winner.id)
    return Assessment(Confidence(ConfidenceLabel.DISPUTED, tuple(reasons)), pick(winners))


def blocks_agreement(difference: Counterexample) -> bool:
    """Whether a behavioural difference denies `verified-agreement`. Calls written in the code,
    its docs or tests always do; inputs Counterpoint made up only when they stay within what
    the examples show."""
    return difference.origin in ("example", "derived")


def _evidence(execution: Execution | None) -> _Evidence:
    if execution is None or not execution.ran:
        return _Evidence(False, frozenset(), frozenset(), ())
    # A test that already failed on the original still counts: it is often the very test
    # the change was asked to make pass, so leaving it failing is no verification.
    workspace_failing = frozenset(t.id for t in execution.failing() if t.source in USER_SOURCES)
    model_failing = frozenset(t.id for t in execution.failing() if t.source not in USER_SOURCES)
    broken = execution.regressions or (
        () if execution.status != ExecutionStatus.TIMED_OUT else ("the whole test run (timed out)",)
    )
    return _Evidence(
        True,
        workspace_failing,
        model_failing,
        tuple(broken),
        execution.status == ExecutionStatus.RAN,
        frozenset(t.id for t in execution.failing(EXPECTED)),
        execution.count(Outcome.PASSED, EXPECTED),
    )


def _proven_alone(facts: _Evidence, execution: Execution | None) -> str:
    """Why a lone proposal, which no other family wrote against or judged, is recommended
    anyway ("" when it is not): it passes every test it ran, the workspace's or doctests among
    them, so it broke nothing and fixed every test the original failed."""
    if execution is None or not facts.ran:
        return ""
    workspace = [t for t in execution.tests if t.source in USER_SOURCES]
    if not (facts.workspace_ok and not facts.model_failures and not facts.broken and workspace):
        return ""
    fixed = len(execution.fixed)
    return f"although not cross-checked: it passes all {len(execution.tests)} tests it ran" + (
        f", {fixed} of which the original failed" if fixed else ", and breaks none"
    )


def _failed_by(
    losers: Sequence[Proposal],
    evidence: Mapping[str, _Evidence],
    executions: Mapping[str, Execution],
) -> set[str]:
    """The tests the losing proposals fail or break: what a verdict for the winner stands on."""
    return {
        t
        for p in losers
        for t in (*(f.id for f in executions[p.id].failing()), *evidence[p.id].broken)
    }


def _single_test(deciding: Collection[str]) -> list[str]:
    """The reason to give when a verdict stands on one test alone: one assert is thin evidence
    (on MBPP, a fifth of the verified-one tasks stood on one visible assert)."""
    return [rests_on_one_test(next(iter(deciding)))] if len(deciding) == 1 else []


def _decided_by_expectations(
    proposals: Sequence[Proposal], evidence: Mapping[str, _Evidence]
) -> Proposal | None:
    """The one proposal that passes every expectation the user gave, with the workspace's tests
    and nothing broken, while every other proposal ran them and failed one: the user's word
    outranks the models' own tests."""
    winners = [
        p
        for p in proposals
        if (facts := evidence[p.id]).expected_passed and facts.workspace_ok and not facts.broken
    ]
    if len(winners) != 1 or len(proposals) < 2:
        return None
    others = [evidence[p.id] for p in proposals if p is not winners[0]]
    return winners[0] if all(o.ran and o.expected_failures for o in others) else None


def _beats_the_rest(
    winner: Proposal, proposals: Sequence[Proposal], evidence: Mapping[str, _Evidence]
) -> bool:
    """The winner passes everything it ran; every other proposal failed something."""
    mine = evidence[winner.id]
    if not mine.workspace_ok or mine.model_failures:
        return False
    others = [evidence[p.id] for p in proposals if p.id != winner.id]
    return all(o.ran and (not o.workspace_ok or o.model_failures or o.broken) for o in others)


def _execution_reasons(
    proposals: Sequence[Proposal],
    evidence: Mapping[str, _Evidence],
    executions: Mapping[str, Execution],
) -> list[str]:
    reasons = []
    for proposal in proposals:
        execution = executions.get(proposal.id)
        if execution is None:
            continue
        loading = (
            f"; its tests could not be loaded: {execution.collection_error}"
            if execution.collection_error
            else ""
        )
        if not execution.ran:
            reasons.append(
                f"{proposal.voice_name}'s proposal: tests not run ({execution.message}){loading}"
            )
            continue
        facts = evidence[proposal.id]
        passed, total = execution.count(Outcome.PASSED), len(execution.tests)
        line = f"{proposal.voice_name}'s proposal passes {passed}/{total} tests"
        if facts.broken:
            line += f"; it breaks {', '.join(facts.broken[:3])}"
        if execution.status == ExecutionStatus.TIMED_OUT:
            line += f"; {execution.message}"
        reasons.append(line + loading)
    return reasons
