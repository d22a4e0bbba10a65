"""Readable forms of a report: plain text for the CLI, Markdown for the hover, SARIF for CI."""

from __future__ import annotations

from typing import Any

from counterpoint import __version__
from counterpoint.model.execution import ORIGINAL
from counterpoint.model.report import Disagreement, Failure, Report
from counterpoint.model.vocabulary import PRESENTATION, ExecutionStatus, Outcome, presentation


def render_text(report: Report, path: str) -> str:
    first, last = report.target_range.start.line + 1, report.target_range.end.line
    lines = [
        f"Counterpoint cross-check of {path}:{first}-{last}",
        f"Instruction: {report.instruction}",
        f"Confidence: {report.confidence.label} ({presentation(report.confidence.label).wording})",
    ]
    lines += [f"  - {reason}" for reason in report.confidence.reasons]
    recommended = report.proposal(report.recommended) if report.recommended else None
    shown = f"{recommended.voice_name} ({recommended.model})" if recommended else "none"
    lines.append(f"Recommended: {shown}")
    lines += [f"Note: {note}" for note in report.notes]
    for disagreement in report.disagreements:
        lines.append(f"Disagreement at lines {_lines(disagreement.range)}: {disagreement.summary}")
    lines += execution_lines(report)
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
            lines.append(
                _judgment_line(
                    report, judgment.judge, judgment.verdict, judgment.confidence, judgment.summary
                )
            )
            lines += [
                f"      line {i.start_line}-{i.end_line} [{i.severity}] {i.message}"
                for i in judgment.issues
            ]
        lines += [f"  FAIL {line}" for line in failing_tests(report, proposal.id)]
    lines += [f"! {failure_text(report, f, 'failed at')}" for f in report.failures]
    usage = report.usage
    lines.append(
        f"\nTokens: {usage.input_tokens} in, {usage.output_tokens} out; {cost_text(report)};"
        f" wall time {report.wall_s:.2f} s"
    )
    return "\n".join(lines)


def failure_text(report: Report, failure: Failure, verb: str) -> str:
    """E.g. "GPT could not judge: timeout: …" (verb "could not") for one failed call."""
    who = voice_name(report, failure.voice_id)
    return f"{who} {verb} {failure.stage}: {failure.kind}: {failure.message}"


def voice_name(report: Report, voice_id: str) -> str:
    """How people call a voice ("GPT"), from its id ("gpt")."""
    proposal = report.proposal(voice_id)
    if proposal is not None:
        return proposal.voice_name
    return report.voice_names.get(voice_id, voice_id)


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


def render_markdown(report: Report, fence: str, session_usd: float | None = None) -> str:
    label = report.confidence.label
    recommended = report.proposal(report.recommended) if report.recommended else None
    header = [
        f"**Counterpoint: {label}**"
        + (
            f" · recommended: **{recommended.voice_name}**"
            if recommended
            else " · no recommendation"
        ),
        f"_Instruction:_ {report.instruction}",
        "\n".join(f"- {reason}" for reason in report.confidence.reasons),
    ]
    if not report.final:
        header[:1] = [f"**Counterpoint: still cross-checking** · {partial_line(report)}"]
        header[2:3] = []
    header += [f"**Note:** {note}" for note in report.notes]
    header += [
        f"**Disagreement** (lines {_lines(d.range)}): {d.summary}" for d in report.disagreements
    ]
    parts = [
        "\n\n".join(header),
        "**Tests**\n\n" + "\n".join(f"- {line}" for line in execution_lines(report)),
    ]
    for proposal in report.proposals:
        checked = "" if report.is_cross_checked(proposal.id) else " · _not cross-checked_"
        missing = awaiting(report, proposal.id)
        if missing:
            checked = f" · _not yet {' or '.join(missing)}_"
        section = [
            f"#### {proposal.voice_name} · `{proposal.model}`{checked}",
            f"```{fence}\n{proposal.code.rstrip()}\n```",
        ]
        if proposal.explanation:
            section.append(f"_{proposal.voice_name}:_ {proposal.explanation}")
        for judgment in report.judgments_of(proposal.id):
            judge = report.proposal(judgment.judge)
            judge_name = judge.voice_name if judge else judgment.judge
            section.append(
                f"**{judge_name} judges it {judgment.verdict}** ({judgment.confidence:.0%})"
                + (f": {judgment.summary}" if judgment.summary else "")
            )
            section += [
                f"- line {i.start_line}-{i.end_line} ({i.severity}): {i.message}"
                for i in judgment.issues
            ]
        failing = failing_tests(report, proposal.id)
        if failing:
            section.append("**Failing tests**\n" + "\n".join(f"- `{line}`" for line in failing))
        parts.append("\n\n".join(section))
    parts += [f"⚠ {failure_text(report, f, 'could not')}" for f in report.failures]
    usage = report.usage
    parts.append(
        f"_{usage.input_tokens} tokens in, {usage.output_tokens} out · "
        f"{cost_text(report, session_usd)} · {report.wall_s:.1f} s_"
    )
    return "\n\n---\n\n".join(parts)


def render_sarif(report: Report, path: str) -> dict[str, Any]:
    level = presentation(report.confidence.label).sarif_level
    results = [
        {
            "ruleId": f"counterpoint/{report.confidence.label}",
            "level": level,
            "message": {"text": disagreement.summary},
            "locations": [
                _location(path, disagreement.range.start.line + 1, disagreement.range.end.line)
            ],
        }
        for disagreement in report.disagreements
    ]
    for judgment in report.judgments:
        for issue in judgment.issues:
            results.append(
                {
                    "ruleId": f"counterpoint/judge-{issue.severity}",
                    "level": {"error": "error", "warning": "warning"}.get(issue.severity, "note"),
                    "message": {
                        "text": f"{judgment.judge} on {judgment.target}'s proposal: {issue.message}"
                    },
                    "locations": [
                        _location(path, issue.range.start.line + 1, issue.range.end.line)
                    ],
                }
            )
    return {
        "version": "2.1.0",
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "runs": [
            {
                "tool": {
                    "driver": {"name": "counterpoint", "version": __version__, "rules": _rules()}
                },
                "results": results,
                "properties": {"counterpoint": report.to_json()},
            }
        ],
    }


def _rules() -> list[dict[str, Any]]:
    """One rule per confidence label, described and levelled by the vocabulary's table."""
    return [
        {
            "id": f"counterpoint/{label}",
            "shortDescription": {"text": f"Counterpoint: {label}"},
            "fullDescription": {"text": shown.wording},
            "defaultConfiguration": {"level": shown.sarif_level},
        }
        for label, shown in PRESENTATION.items()
    ]


def _location(path: str, first: int, last: int) -> dict[str, Any]:
    return {
        "physicalLocation": {
            "artifactLocation": {"uri": path},
            "region": {"startLine": first, "endLine": max(first, last)},
        }
    }


def _lines(span: Any) -> str:
    return f"{span.start.line + 1}-{max(span.start.line + 1, span.end.line)}"


def _judgment_line(
    report: Report, judge_id: str, verdict: str, confidence: float, summary: str
) -> str:
    judge = report.proposal(judge_id)
    name = judge.voice_name if judge else judge_id
    return f"  {name} judges it {verdict} ({confidence:.0%})" + (f": {summary}" if summary else "")


def summary_line(report: Report) -> str:
    """One line for a diagnostic: what the judges said and the recommendation. Not the label:
    clients show the diagnostic's source and code (the label) beside it already, and eglot read
    "counterpoint [verified-one]: Counterpoint [verified-one]: …"."""
    names = {p.id: p.voice_name for p in report.proposals}
    said = [
        f"{names.get(j.judge, j.judge)} finds {names.get(j.target, j.target)}'s proposal "
        f"{j.verdict}" + (f" ({j.summary})" if j.summary and j.verdict != "correct" else "")
        for j in report.judgments
    ]
    unchecked = [p.voice_name for p in report.proposals if not report.is_cross_checked(p.id)]
    if unchecked:
        said.append(f"{' and '.join(unchecked)}'s proposal not cross-checked")
    said += [
        f"{voice_name(report, f.voice_id)} could not {f.stage}: {f.kind}" for f in report.failures
    ]
    said += [matrix_line(report, p.id) for p in report.proposals if report.execution_of(p.id)]
    recommended = report.proposal(report.recommended) if report.recommended else None
    tail = (
        f"Recommended: {recommended.voice_name}'s proposal."
        if recommended
        else "No recommendation."
    )
    return "; ".join(said) + ". " + tail


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
            label = source
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


def render_region_markdown(report: Report, disagreement: Disagreement, fence: str) -> str:
    """One disputed region: each version of it, the counterexample, the judges' comments."""
    names = {p.id: p.voice_name for p in report.proposals}
    parts = [f"**Disputed region** (lines {_lines(disagreement.range)})"]
    if disagreement.original.strip():
        parts.append(f"_Original:_\n```{fence}\n{disagreement.original.rstrip()}\n```")
    for pid, text in disagreement.texts.items():
        shown = text.rstrip() or "(no lines here)"
        parts.append(f"_{names.get(pid, pid)}:_\n```{fence}\n{shown}\n```")
    if disagreement.counterexample:
        parts.append(f"**Counterexample:** `{disagreement.counterexample}`")
    parts += [f"- {comment}" for comment in disagreement.comments]
    return "\n\n".join(parts)


def awaiting(report: Report, proposal_id: str) -> list[str]:
    """What a partial report's proposal still waits for: "judged", "tested", both or none."""
    if report.final:
        return []
    parts = ((f"judgment:{proposal_id}", "judged"), (f"tests:{proposal_id}", "tested"))
    return [word for part, word in parts if report.is_pending(part)]


def partial_line(report: Report) -> str:
    """What a run still going has so far, in plain words: e.g. "Claude's proposal arrived; not
    yet judged or tested. Waiting for GPT's proposal." """
    said = []
    for proposal in report.proposals:
        missing = awaiting(report, proposal.id)
        names = report.voice_names
        verdicts = [
            f"{names.get(j.judge, j.judge)} finds it {j.verdict}"
            for j in report.judgments_of(proposal.id)
        ]
        text = f"{proposal.voice_name}'s proposal arrived"
        if verdicts:
            text += " and " + " and ".join(verdicts)
        run = report.execution_of(proposal.id)
        if run is not None:
            text += f" ({matrix_line(report, proposal.id)})"
        if missing:
            text += f"; not yet {' or '.join(missing)}"
        said.append(text)
    waiting = [part.split(":", 1)[1] for part in report.pending if part.startswith("proposal:")]
    if waiting:
        names = report.voice_names
        said.append("waiting for " + " and ".join(f"{names.get(v, v)}'s proposal" for v in waiting))
    said += [
        f"{voice_name(report, f.voice_id)} could not {f.stage}: {f.kind}" for f in report.failures
    ]
    if not said:
        return "waiting for the proposals."
    return "; ".join(said) + "."


def evidence(report: Report, proposal_id: str) -> str:
    """Why to accept a proposal, in a few words: e.g. "passes 17/17; GPT's fails test_empty"."""
    missing = awaiting(report, proposal_id)
    if missing:
        return f"not yet {' or '.join(missing)}"
    execution = report.execution_of(proposal_id)
    if execution is None or not execution.ran:
        return ""
    said = [f"passes {execution.count(Outcome.PASSED)}/{len(execution.tests)}"]
    for other in report.proposals:
        run = report.execution_of(other.id)
        if other.id == proposal_id or run is None or not run.ran:
            continue
        failing = [t.id.rsplit("::", 1)[-1] for t in run.failing()]
        if failing:
            more = f" (+{len(failing) - 1})" if len(failing) > 1 else ""
            said.append(f"{other.voice_name}'s fails {failing[0]}{more}")
    return "; ".join(said)
