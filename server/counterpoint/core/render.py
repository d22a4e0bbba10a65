"""Readable forms of a report: plain text for the CLI, Markdown for the hover (SARIF is in
sarif.py)."""

from __future__ import annotations

from counterpoint.core.wording import (
    ASK_EDITOR,
    SOURCE_NAMES,
    and_join,
    ask_cli,
    awaiting,
    failure_detail,
    headline,
    lines_text,
    recommendation,
    restates,
    revision_clause,
    sentence,
    source_counts,
    verdict_clause,
    voice_name,
)
from counterpoint.model.execution import ORIGINAL, USER_SOURCES
from counterpoint.model.report import Disagreement, Report
from counterpoint.model.vocabulary import ConfidenceLabel, ExecutionStatus, presentation


def render_text(report: Report, path: str) -> str:
    lines = [
        f"Counterpoint cross-check of {path}, {lines_text(report.target_range)}",
        f"Instruction: {report.instruction or '(review)'}",
        "",
        headline(report),
    ]
    recommended = report.proposal(report.recommended) if report.recommended else None
    shown = f"{recommended.voice_name}'s proposal ({recommended.model})" if recommended else "none"
    lines.append(f"Recommended: {shown}")
    shown_label = presentation(report.confidence.label)
    lines.append(f"Confidence: {report.confidence.label} ({shown_label.wording})")
    # Each thing once: judgments, test runs and failures have their own lines below.
    lines += [f"  - {r}" for r in report.confidence.reasons if not restates(r, report)]
    lines += [f"Note: {note}" for note in report.notes]
    for disagreement in report.disagreements:
        names = and_join([voice_name(report, p) for p in disagreement.proposals])
        lines.append(f"{names} differ at {lines_text(disagreement.range)}:")
        lines += [f"  - {sentence(comment)}" for comment in disagreement.comments]
        if disagreement.counterexample:
            lines.append(f"  - They behave differently on {disagreement.counterexample}.")
        if disagreement.question and report.confidence.label == ConfidenceLabel.DISPUTED:
            lines.append(f"  - {ask_cli(disagreement.question.call)}")
    lines += execution_lines(report)
    lines += [sentence(revision_clause(report, r)) for r in report.revisions]
    for proposal in report.proposals:
        checked = "" if report.is_cross_checked(proposal.id) else "  [not cross-checked]"
        lines += [
            "",
            f"=== {proposal.voice_name}'s proposal ({proposal.model}){checked}",
            proposal.code.rstrip("\n"),
        ]
        if proposal.explanation:
            lines.append(f"--- {proposal.explanation}")
        for judgment in report.judgments_of(proposal.id):
            lines.append(f"  {sentence(verdict_clause(report, judgment))}")
            lines += [
                f"      {_issue_lines(i.start_line, i.end_line)} [{i.severity}] {i.message}"
                for i in judgment.issues
            ]
        lines += [f"  FAIL {line}" for line in failing_tests(report, proposal.id)]
    lines += [f"! {failure_detail(report, f)}" for f in report.failures]
    usage = report.usage
    lines.append(
        f"\nTokens: {usage.input_tokens} in, {usage.output_tokens} out; {cost_text(report)};"
        f" wall time {report.wall_s:.2f} s"
    )
    return "\n".join(lines)


def cost_text(report: Report, session_usd: float | None = None) -> str:
    """E.g. "cost $0.0123 (session $0.0456)", saying which models have no price."""
    cost = report.cost or {}
    text = f"cost ${cost.get('request_usd', 0.0):.4f}"
    if cost.get("cached_calls"):
        text += f" ({cost['cached_calls']} cached calls, free)"
    if cost.get("unpriced_models"):
        text += f", plus unpriced {', '.join(cost['unpriced_models'])}"
    if session_usd is not None:
        text += f" · session ${session_usd:.4f}"
    return text


def render_markdown(
    report: Report,
    fence: str,
    session_usd: float | None = None,
    region: Disagreement | None = None,
) -> str:
    """The hover. Each thing once: the headline, then the disputed region under the cursor (or
    every region), the judgments, the tests, and only off a region the whole proposals."""
    parts = [f"**{headline(report)}** {recommendation(report)}".rstrip()]
    if region is not None:
        parts.append(_region_markdown(report, region, fence))
        others = [d for d in report.disagreements if d is not region]
        if others:
            elsewhere = and_join([lines_text(d.range) for d in others])
            parts.append(f"They also differ at {elsewhere}.")
    elif report.disagreements:
        parts.append(
            "**Where they differ**\n\n"
            + "\n".join(f"- {lines_text(d.range)}: {d.summary}" for d in report.disagreements)
        )
    why = [r for r in report.confidence.reasons if report.final and not restates(r, report)]
    why += list(report.notes)
    if why:
        parts.append("\n".join(f"- {sentence(r)}" for r in why))
    judged = _judgments_markdown(report, region)
    if judged:
        parts.append(judged)
    parts.append(_tests_markdown(report))
    if report.revisions:
        parts.append(
            "\n".join(f"- {sentence(revision_clause(report, r))}" for r in report.revisions)
        )
    if region is None or not region.texts:
        parts += [_proposal_markdown(report, p.id, fence) for p in report.proposals]
    details = [failure_detail(report, f) for f in report.failures]
    if details:
        parts.append("\n".join(f"⚠ {d}" for d in details))
    usage = report.usage
    instruction = report.instruction or "review"
    parts.append(
        f"_Instruction: {instruction} · {usage.input_tokens} tokens in, {usage.output_tokens} out"
        f" · {cost_text(report, session_usd)} · {report.wall_s:.1f} s_"
    )
    return "\n\n".join(parts)


def _region_markdown(report: Report, disagreement: Disagreement, fence: str) -> str:
    """One disputed region: each version of it, the counterexample, the judges' comments."""
    parts = [f"**Disputed region, {lines_text(disagreement.range)}**"]
    if disagreement.original.strip():
        parts.append(f"_Original:_\n```{fence}\n{disagreement.original.rstrip()}\n```")
    for pid, text in disagreement.texts.items():
        who = voice_name(report, pid)
        if text.strip():
            parts.append(f"_{who}:_\n```{fence}\n{text.rstrip()}\n```")
        else:
            parts.append(f"_{who} has no lines here._")
    if disagreement.counterexample:
        parts.append(f"**They behave differently on** `{disagreement.counterexample}`")
    if disagreement.question and report.confidence.label == ConfidenceLabel.DISPUTED:
        parts.append(f"_{ASK_EDITOR}_")
    parts += [f"- {sentence(comment)}" for comment in disagreement.comments]
    return "\n\n".join(parts)


def _judgments_markdown(report: Report, region: Disagreement | None) -> str:
    shown = [region] if region is not None else report.disagreements
    said_on_region = {comment for d in shown for comment in d.comments}
    lines = []
    for judgment in report.judgments:
        lines.append(f"- {sentence(verdict_clause(report, judgment))}")
        judge, target = voice_name(report, judgment.judge), voice_name(report, judgment.target)
        for issue in judgment.issues:
            if f"{judge} on {target}'s version: {issue.message}" in said_on_region:
                continue
            where = _issue_lines(issue.start_line, issue.end_line)
            lines.append(f"  - {where} of {target}'s proposal ({issue.severity}): {issue.message}")
    return "\n".join(lines)


def _tests_markdown(report: Report) -> str:
    """The matrix as a table: a row per version, a column per source of tests."""
    if not report.executions:
        if not report.final and any(p.startswith("tests:") for p in report.pending):
            return "_Tests: still to run._"
        notes = report.execution_setup.get("notes") or ["none ran"]
        said = [f"_Tests: {'; '.join(notes)}._", *interpreter_line(report)]
        return "\n\n".join(said)
    found = {source for ran in report.executions for source in ran.by_source()}
    first = [*USER_SOURCES, *(p.id for p in report.proposals)]
    sources = [s for s in first if s in found] + sorted(found.difference(first))
    columns = [_source_name(report, s) for s in sources]
    rows = ["| | " + " | ".join(columns) + " |", "|---" * (len(columns) + 1) + "|"]
    order = ["original"] + [p.id for p in report.proposals]
    for version in order:
        execution = report.execution_of(version)
        who = "Original" if version == "original" else voice_name(report, version)
        if execution is None:
            still = not report.final and report.is_pending(f"tests:{version}")
            if still:
                rows.append(f"| {who} | " + " | ".join("…" for _ in columns) + " |")
            continue
        if not execution.ran:
            rows.append(f"| {who} | " + " | ".join("not run" for _ in columns) + " |")
            continue
        rows.append(f"| {who} | " + " | ".join(source_counts(execution, sources)) + " |")
    failing = [
        f"- {voice_name(report, p.id)}'s proposal: `{line}`"
        for p in report.proposals
        for line in failing_tests(report, p.id, limit=3)
    ]
    selection = report.execution_setup.get("selection") or {}
    footer = []
    if selection:
        chosen = len(selection.get("tests", []))
        footer.append(
            f"_{chosen} of {selection.get('suite_size', 0)} workspace tests selected"
            + (", plus doctests" if selection.get("doctest_files") else "")
            + "._"
        )
    footer += [f"_{line}_" for line in interpreter_line(report)]
    stopped = collection_lines(report)
    table = "\n".join(["**Tests passed**", "", *rows, *(["", *failing] if failing else [])])
    return "\n\n".join([table, *(f"**{line}**" for line in stopped), *footer])


def _issue_lines(first: int, last: int) -> str:
    return f"line {first}" if last <= first else f"lines {first}–{last}"


def _source_name(report: Report, source: str) -> str:
    if source in SOURCE_NAMES:
        return SOURCE_NAMES[source]
    return f"{voice_name(report, source)}'s tests"


def _proposal_markdown(report: Report, proposal_id: str, fence: str) -> str:
    proposal = report.proposal(proposal_id)
    assert proposal is not None
    note = "" if report.is_cross_checked(proposal.id) else " · _not cross-checked_"
    missing = awaiting(report, proposal.id)
    if missing:
        note = f" · _not yet {' or '.join(missing)}_"
    section = [
        f"#### {proposal.voice_name}'s proposal · `{proposal.model}`{note}",
        f"```{fence}\n{proposal.code.rstrip()}\n```",
    ]
    if proposal.explanation:
        section.append(f"_{proposal.voice_name}:_ {proposal.explanation}")
    return "\n\n".join(section)


def matrix_line(report: Report, proposal_id: str) -> str:
    """E.g. "Claude: 12/12 workspace, 5/5 own, 4/5 GPT's tests"."""
    execution = report.execution_of(proposal_id)
    proposal = report.proposal(proposal_id)
    who = proposal.voice_name if proposal else "Original"
    if execution is None:
        return f"{who}: tests not run"
    if not execution.ran:
        return f"{who}: tests not run ({execution.message})"
    names = {p.id: p.voice_name for p in report.proposals}
    cells = []
    for source, counts in execution.by_source().items():
        if source == proposal_id:
            label = "own"
        elif source in names:
            label = f"{names[source]}'s"
        else:
            label = source  # "3/3 workspace", "1/1 expected tests"
        cells.append(f"{counts['passed']}/{counts['total']} {label}")
    line = f"{who}: " + ", ".join(cells) + " tests"
    if execution.status == ExecutionStatus.TIMED_OUT:
        line += f" ({execution.message})"
    return line


def failing_tests(report: Report, proposal_id: str, limit: int = 5) -> list[str]:
    """The failing tests of a run, named with their first message line."""
    execution = report.execution_of(proposal_id)
    if execution is None:
        return []
    broken = set(execution.regressions)
    lines = []
    for test in execution.failing()[:limit]:
        tag = " (broken: passed on the original)" if test.id in broken else ""
        message = test.message.splitlines()[0] if test.message else test.outcome
        lines.append(f"{test.id}{tag}: {message}")
    extra = len(execution.failing()) - limit
    if extra > 0:
        lines.append(f"… and {extra} more")
    return lines


def execution_lines(report: Report) -> list[str]:
    """The matrix, the original first, then the selection notes."""
    if not report.final:
        waiting = [p for p in report.pending if p.startswith("tests:")]
        if not report.executions and not waiting:
            return ["Tests: not run"]
        names = {p.id: p.voice_name for p in report.proposals}
        ran = [matrix_line(report, e.proposal) for e in report.executions]
        return ran + [f"{names.get(part[6:], 'Original')}: tests still to run" for part in waiting]
    if not report.executions:
        notes = report.execution_setup.get("notes") or ["tests were not run"]
        return [f"Tests: {'; '.join(notes)}", *interpreter_line(report)]
    lines = [matrix_line(report, "original")] + [
        matrix_line(report, p.id) for p in report.proposals
    ]
    lines += interpreter_line(report) + collection_lines(report)
    selection = report.execution_setup.get("selection") or {}
    if selection:
        chosen = len(selection.get("tests", []))
        lines.append(
            f"Selected {chosen} of {selection.get('suite_size', 0)} workspace tests"
            + (" plus doctests" if selection.get("doctest_files") else "")
        )
    lines += [f"Note: {note}" for note in report.execution_setup.get("notes", [])]
    return lines


def interpreter_line(report: Report) -> list[str]:
    """Which interpreter ran the tests and why it was the one, e.g. "Python: /p/.venv/bin/python
    (the project's .venv)"."""
    setup = report.execution_setup
    if not setup.get("interpreter"):
        return []
    reason = setup.get("interpreter_reason")
    label = "Python" if report.language == "python" else "Runner"
    return [f"{label}: {setup['interpreter']}" + (f" ({reason})" if reason else "")]


def collection_lines(report: Report) -> list[str]:
    """What kept tests from loading, once per error, naming the versions it stopped."""
    stopped: dict[str, list[str]] = {}
    for execution in report.executions:
        if execution.collection_error:
            who = (
                voice_name(report, execution.proposal)
                if execution.proposal != ORIGINAL
                else "the original"
            )
            stopped.setdefault(execution.collection_error, []).append(who)
    return [
        f"Tests could not be loaded ({', '.join(who)}): {error}" for error, who in stopped.items()
    ]
