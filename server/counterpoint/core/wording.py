"""What a person reads about a report, in sentences: "Verified: Claude's proposal passes all 4
tests; GPT's fails test_three." The labels, kinds and ids stay in the JSON; every surface that
shows a report in words (diagnostics, hover, quick-fix titles, the text report) takes them from
here."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from counterpoint.model.execution import EXPECTED, Execution
from counterpoint.model.report import Failure, Judgment, Report, Revision
from counterpoint.model.request import Range
from counterpoint.model.vocabulary import (
    ConfidenceLabel,
    ExecutionStatus,
    RevisionStatus,
    Stage,
    Verdict,
    failure_wording,
    presentation,
)

# The test matrix's name of each source of tests that is not a family's own.
SOURCE_NAMES = {"workspace": "workspace", "doctest": "doctests", EXPECTED: "your expectations"}


def sentence(text: str) -> str:
    """Capitalised and ending in a full stop (or whatever mark it already ends with)."""
    text = text.strip()
    if not text:
        return ""
    text = text[0].upper() + text[1:]
    return text if text[-1] in ".!?…" else text + "."


def and_join(items: Sequence[str]) -> str:
    if len(items) <= 2:
        return " and ".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def lines_text(span: Range) -> str:
    """ "line 7" or "lines 7–9", 1-based, for a range of whole lines (an empty one is the line it
    sits before)."""
    first = span.start.line + 1
    last = max(first, span.end.line)
    return f"line {first}" if first == last else f"lines {first}–{last}"


def short_test_name(test_id: str) -> str:
    """`tests/test_stats.py::test_three` → `test_three`."""
    return test_id.rsplit("::", 1)[-1]


def name_list(names: Sequence[str], shown: int = 1) -> str:
    """The first names and how many more: "test_three and 2 more"."""
    head = list(names[:shown])
    rest = len(names) - len(head)
    if rest <= 0:
        return and_join(head)
    return f"{', '.join(head)} and {rest} more"


def voice_name(report: Report, voice_id: str | None) -> str:
    """How people call a voice ("GPT"), from its id ("gpt")."""
    if not voice_id:
        return "a model"
    proposal = report.proposal(voice_id)
    if proposal is not None:
        return proposal.voice_name
    return report.voice_names.get(voice_id, voice_id)


def tests_word(count: int) -> str:
    return "1 test" if count == 1 else f"{count} tests"


def run_result(execution: Execution | None, brief: bool = False) -> str | None:
    """What one version's test run showed, as a predicate: "passes all 4 tests", "fails
    test_three", "breaks test_two, which the original passes". None when it did not run."""
    if execution is None:
        return None
    if execution.collection_error:
        return f"could not load its tests ({execution.collection_error})"
    if not execution.ran:
        reason = execution.message.splitlines()[0] if execution.message else "no reason given"
        return f"could not be tested ({reason})"
    if execution.status == ExecutionStatus.TIMED_OUT:
        return "runs past the tests' time limit"
    if execution.regressions:
        broken = [short_test_name(t) for t in execution.regressions]
        return f"breaks {name_list(broken)}" + ("" if brief else ", which the original passes")
    failing = [short_test_name(t.id) for t in execution.failing()]
    if failing:
        return f"fails {name_list(failing)}"
    total = len(execution.tests)
    if total == 0:
        return "ran no tests"
    return "passes its one test" if total == 1 else f"passes all {total} tests"


def failure_clause(report: Report, failure: Failure) -> str:
    """ "GPT could not judge Claude's proposal: it timed out"."""
    who = voice_name(report, failure.voice_id)
    if failure.stage == Stage.PROPOSE:
        did = "write a proposal"
    elif failure.stage == Stage.REVISE:
        did = "revise its proposal"
    elif failure.stage == Stage.JUDGE:
        target = voice_name(report, failure.target) if failure.target else ""
        did = f"judge {target}'s proposal" if target else "judge"
    else:
        did = "run the tests"
    return f"{who} could not {did}: {failure_wording(failure.kind)}"


def failure_detail(report: Report, failure: Failure) -> str:
    """The clause with what the service said: for the hover's and the text report's details."""
    detail = failure.message.strip()
    return sentence(failure_clause(report, failure) + (f" ({detail})" if detail else ""))


def revision_clause(report: Report, revision: Revision) -> str:
    """ "GPT revised its proposal after failing test_x; the revision passes it, and passes all
    4 tests", or why no revision was made or used (a failed call has its own failure line)."""
    who, test = voice_name(report, revision.voice), short_test_name(revision.test)
    after = f"its proposal{_round(revision)} after failing {test}"
    if revision.status == RevisionStatus.NOT_MADE:
        return f"{who} did not revise {after}: {_why_not(revision.note)}"
    if revision.status == RevisionStatus.FAILED:
        # Why is the failure's own line ("GPT could not revise its proposal: …").
        revision_of = f"{who}'s revision{_round(revision)} after failing {test}"
        return f"{revision_of} was not used; its proposal stands as it was"
    execution = revision.execution
    if revision.passes is None:
        ran = run_result(execution, brief=True) if execution is not None else None
        return f"{who} revised {after}; the revision {ran or 'was not tested'}"
    rest = run_result(execution, brief=True)
    if revision.passes:
        if rest is None or not rest.startswith("passes"):
            return f"{who} revised {after}; the revision passes it" + (
                f" but {rest}" if rest else ""
            )
        return f"{who} revised {after}; the revision passes it, and {rest}"
    return f"{who} revised {after}; the revision fails it too"


def _round(revision: Revision) -> str:
    return "" if revision.round == 1 else f" (round {revision.round})"


def _why_not(note: str) -> str:
    """A refused call's reason, led by the rule it met."""
    if note.startswith("not sent"):
        return f"the cost cap could not afford the call ({note})"
    return note or "no call was made"


def verdict_clause(report: Report, judgment: Judgment, with_summary: bool = True) -> str:
    """ "GPT judges Claude's proposal incorrect (80%): it skips the last window"."""
    judge, target = voice_name(report, judgment.judge), voice_name(report, judgment.target)
    text = f"{judge} judges {target}'s proposal {judgment.verdict} ({judgment.confidence:.0%})"
    summary = judgment.summary.strip().rstrip(".")
    return text + (f": {summary}" if with_summary and summary else "")


def awaiting(report: Report, proposal_id: str) -> list[str]:
    """What a partial report's proposal still waits for: "judged", "tested", both or none."""
    if report.final:
        return []
    parts = ((f"judgment:{proposal_id}", "judged"), (f"tests:{proposal_id}", "tested"))
    return [word for part, word in parts if report.is_pending(part)]


def headline(report: Report) -> str:
    """The run in one or two sentences, starting with what the label means."""
    if not report.final:
        return f"Still cross-checking. {partial_line(report)}"
    label = report.confidence.label
    heading = presentation(label).heading
    proposals = report.proposals
    names = [p.voice_name for p in proposals]
    results = {p.id: run_result(report.execution_of(p.id)) for p in proposals}
    failures = [failure_clause(report, f) for f in report.failures]

    if label == ConfidenceLabel.FAILED:
        return f"{heading}: " + sentence("; ".join(failures) or "no model answered")
    if label == ConfidenceLabel.NOT_CROSS_CHECKED:
        unjudged = [p.voice_name for p in proposals if not report.is_cross_checked(p.id)]
        said = list(failures)
        if unjudged:
            said.append(f"so no other family judged {and_join(unjudged)}'s proposal")
        return f"{heading}: " + sentence("; ".join(said) or "a proposal is missing")
    if label == ConfidenceLabel.UNVERIFIED:
        notes = report.execution_setup.get("notes") or []
        why = f" ({notes[0]})" if notes else ""
        agree = (
            f"{and_join(names)} write the same code"
            if _same_code(report)
            else (f"{and_join(names)} agree")
        )
        return f"{heading}: {agree}, but no test ran{why}."
    if label == ConfidenceLabel.VERIFIED_AGREEMENT:
        totals = {len(e.tests) for e in report.executions if e.proposal != "original"}
        tests = f"all {tests_word(totals.pop())}" if len(totals) == 1 else "every test that ran"
        if _same_code(report):
            return f"{heading}: {and_join(names)} write the same code, and it passes {tests}."
        possessive = and_join([f"{n}'s" for n in names])
        return (
            f"{heading}: {possessive} proposals pass {tests}, are accepted by the other family, "
            "and behave the same on every input tried."
        )
    if label in (ConfidenceLabel.VERIFIED_ONE, ConfidenceLabel.BOTH_FAIL):
        order = sorted(proposals, key=lambda p: p.id != report.recommended)
        said = [
            f"{p.voice_name}'s{' proposal' if i == 0 else ''} {results[p.id]}"
            for i, p in enumerate(order)
            if results[p.id]
        ]
        return f"{heading}: " + sentence("; ".join(said))
    # Disputed: say what splits them, the strongest evidence first.
    if any(d.counterexample for d in report.disagreements):
        return (
            f"{heading}: {and_join(names)} behave differently, and no test decides which is right."
        )
    if any(r and not r.startswith("passes") for r in results.values()):
        said = [f"{p.voice_name}'s proposal {results[p.id]}" for p in proposals if results[p.id]]
        return f"{heading}: " + sentence("; ".join(said))
    rejected = [j for j in report.judgments if j.verdict != Verdict.CORRECT]
    if rejected:
        said = [verdict_clause(report, j, with_summary=False) for j in rejected]
        return f"{heading}: " + sentence("; ".join(said))
    return f"{heading}: the proposals differ, and nothing decides between them."


def recommendation(report: Report) -> str:
    if not report.final:
        return ""
    recommended = report.proposal(report.recommended) if report.recommended else None
    if recommended is not None:
        return f"Recommended: {recommended.voice_name}'s proposal."
    if report.confidence.label == ConfidenceLabel.FAILED:
        return ""
    return "Nothing is recommended."


def summary_line(report: Report) -> str:
    """The first diagnostic's message: the headline, what the judges rejected and why, and the
    recommendation. Not the label: clients show the diagnostic's source and code beside it
    (eglot read "counterpoint [verified-one]: Counterpoint [verified-one]: …")."""
    said = [headline(report)]
    named_in_headline = report.confidence.label == ConfidenceLabel.DISPUTED and not any(
        d.counterexample for d in report.disagreements
    )
    for judgment in report.judgments:
        if judgment.verdict == Verdict.CORRECT:
            continue
        if named_in_headline and not judgment.summary:
            continue
        said.append(sentence(verdict_clause(report, judgment)))
    said.append(recommendation(report))
    return " ".join(s for s in said if s)


def partial_line(report: Report) -> str:
    """What a run still going has so far: e.g. "Claude's proposal arrived; it is not yet judged
    or tested. Waiting for GPT's proposal." """
    said = []
    for proposal in report.proposals:
        text = f"{proposal.voice_name}'s proposal arrived"
        verdicts = [
            f"{voice_name(report, j.judge)} finds it {j.verdict}"
            for j in report.judgments_of(proposal.id)
        ]
        if verdicts:
            text += "; " + " and ".join(verdicts)
        result = run_result(report.execution_of(proposal.id))
        if result:
            text += f"; it {result}"
        missing = awaiting(report, proposal.id)
        if missing:
            text += f"; it is not yet {' or '.join(missing)}"
        said.append(sentence(text))
    waiting = [part.split(":", 1)[1] for part in report.pending if part.startswith("proposal:")]
    if waiting:
        shown = and_join([f"{voice_name(report, v)}'s proposal" for v in waiting])
        said.append(f"Waiting for {shown}.")
    said += [sentence(failure_clause(report, f)) for f in report.failures]
    return " ".join(said) or "Waiting for the proposals."


def evidence(report: Report, proposal_id: str) -> str:
    """Why to accept a proposal, in a few words, for a quick fix's title: "passes all 4 tests;
    GPT's fails test_three"."""
    missing = awaiting(report, proposal_id)
    if missing:
        return f"not yet {' or '.join(missing)}"
    mine = run_result(report.execution_of(proposal_id), brief=True)
    if mine is None:
        return ""
    said = [mine]
    if mine.startswith("passes"):
        for other in report.proposals:
            theirs = run_result(report.execution_of(other.id), brief=True)
            if other.id != proposal_id and theirs and not theirs.startswith("passes"):
                said.append(f"{other.voice_name}'s {theirs}")
    return "; ".join(said)


def _same_code(report: Report) -> bool:
    codes = {p.code.strip() for p in report.proposals}
    return len(report.proposals) > 1 and len(codes) == 1


def restates(reason: str, report: Report) -> bool:
    """Whether a confidence reason only repeats what the hover shows in its own section: a
    judgment, a test run or a failed call (core/confidence.py words them so)."""
    names = [p.voice_name for p in report.proposals] + list(report.voice_names.values())
    judged = tuple(f"{n} judges " for n in names)
    tested = tuple(f"{n}'s proposal passes " for n in names) + tuple(
        f"{n}'s proposal: tests not run" for n in names
    )
    failed = tuple(f"{n} could not " for n in names)  # the failures' lines, revisions' too
    unjudged = tuple(f"{n}'s proposal was not cross-checked" for n in names)
    shown_with_region = (
        ("they behave differently on ",)
        if any(d.counterexample for d in report.disagreements)
        else ()
    )
    return reason.startswith(judged + tested + failed + unjudged + shown_with_region)


def source_counts(execution: Execution, sources: Iterable[str]) -> list[str]:
    """One cell per test source: "3/3", or "–" where that source has no tests for it."""
    table = execution.by_source()
    cells = []
    for source in sources:
        counts = table.get(source)
        cells.append(f"{counts['passed']}/{counts['total']}" if counts else "–")
    return cells


def progress_started(file_name: str, span: Range) -> str:
    """A progress report's first line, before any voice's lane moves (the SDKs may still be
    loading): "starting: windows.py, lines 1–7"."""
    return f"starting: {file_name}, {lines_text(span)}"


def progress_done(report: Report) -> str:
    """A progress report's last line: "done: verified-one"."""
    return f"done: {report.confidence.label}"


def decided_by_expectations(winner: str, losers: Sequence[str], failed: Sequence[str]) -> str:
    """Why the user's expectations decide: "Claude's proposal passes every expectation you
    gave; GPT's fails test_expected_1"."""
    shown = and_join([f"{name}'s" for name in losers])
    return (
        f"{winner}'s proposal passes every expectation you gave; {shown} fails "
        f"{and_join(list(failed[:3]))}"
    )


def rests_on_one_test(test_id: str) -> str:
    """Said of a verdict that one test decided: "this rests on one test (tests/t.py::test_x)"."""
    return f"this rests on one test ({test_id})"


NEITHER_TITLE = "Neither: give the expected value"


def answer_title(voice: str, call: str, value: str) -> str:
    """A question's option: "Claude is right: `count_up_to(3)` → `[1, 2, 3]`"."""
    return f"{voice} is right: `{call}` → `{value}`"


def answer_label(call: str, value: str) -> str:
    """What an editor's undo names the edit that pins an answer as a test."""
    return f"Pin `{call}` → `{value}` as a test"


# Under a disputed region's counterexample: how to decide it.
ASK_EDITOR = "Which is right? The quick fixes offer each answer; the one you pick becomes a test."


def ask_cli(call: str) -> str:
    """The text report's way to decide a question: run again with the answer."""
    return f"Which is right? Run again with --expect '{call} == <the right value>'."
