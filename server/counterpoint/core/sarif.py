"""A report as SARIF 2.1.0, for code scanning (`counterpoint check --sarif`).

A code-scanning tool reads an empty run as a clean pass, so every report gives at least one
result: the label's, on each disputed region or else on the checked lines, at the level the
editor shows it with. A proposal that breaks a test the original passed is an error result of
its own. Locations are relative to the workspace root, under `%SRCROOT%`.
"""

from __future__ import annotations

from pathlib import PurePosixPath
from typing import Any
from urllib.parse import quote, unquote, urlparse

from counterpoint import __version__
from counterpoint.core.render import collection_lines
from counterpoint.core.wording import failure_detail, voice_name
from counterpoint.model.report import Report
from counterpoint.model.request import Range
from counterpoint.model.vocabulary import PRESENTATION, Severity, presentation

SCHEMA = (
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
)
SRCROOT = "%SRCROOT%"
BREAKS_TESTS = "counterpoint/breaks-tests"
# A judge's issue severity (core/schemas.py SEVERITIES) as a result level.
_JUDGE_LEVELS = {"error": "error", "warning": "warning", "info": "note"}


def render_sarif(report: Report, workspace_root: str | None) -> dict[str, Any]:
    """The SARIF log of one report; `workspace_root` is the folder `%SRCROOT%` stands for
    (the document's URI is used as is when it lies outside it, or when there is none)."""
    artifact, base = _artifact(report.uri, workspace_root)
    results = _label_results(report, artifact) + _regression_results(report, artifact)
    results += _judge_results(report, artifact)
    run: dict[str, Any] = {
        "tool": {"driver": {"name": "counterpoint", "version": __version__, "rules": _rules()}},
        "invocations": [_invocation(report)],
        "results": results,
        "properties": {"counterpoint": report.to_json()},
    }
    if base is not None:
        run["originalUriBaseIds"] = {SRCROOT: {"uri": base}}
    return {"version": "2.1.0", "$schema": SCHEMA, "runs": [run]}


def _label_results(report: Report, artifact: dict[str, str]) -> list[dict[str, Any]]:
    """The label's result on each disputed region, or on the checked lines when none."""
    label = report.confidence.label
    shown = presentation(label)
    headline = f"Counterpoint: {label}: {shown.wording}."
    details = [f"- {reason}" for reason in report.confidence.reasons]
    details += [failure_detail(report, failure) for failure in report.failures]
    recommended = report.proposal(report.recommended) if report.recommended else None
    details.append(
        f"Recommended: {recommended.voice_name}'s proposal ({recommended.model})."
        if recommended
        else "No proposal is recommended."
    )
    rule = f"counterpoint/{label}"
    if not report.disagreements:
        text = "\n".join([headline, *details])
        return [_result(rule, shown.sarif_level, text, artifact, report.target_range)]
    results = []
    for index, disagreement in enumerate(report.disagreements):
        lines = [headline, *(details if index == 0 else []), disagreement.summary]
        if disagreement.counterexample:
            lines.append(f"Counterexample: {disagreement.counterexample}")
        text = "\n".join(lines)
        results.append(_result(rule, shown.sarif_level, text, artifact, disagreement.range))
    return results


def _regression_results(report: Report, artifact: dict[str, str]) -> list[dict[str, Any]]:
    """One error per proposal that breaks tests the original passes, naming them."""
    results = []
    for proposal in report.proposals:
        execution = report.execution_of(proposal.id)
        if execution is None or not execution.regressions:
            continue
        messages = {test.id: test.message for test in execution.tests}
        broken = [
            f"- {test}" + (f": {messages[test].splitlines()[0]}" if messages.get(test) else "")
            for test in execution.regressions
        ]
        text = (
            f"{voice_name(report, proposal.id)}'s proposal ({proposal.model}) breaks "
            f"{len(broken)} test{'s' if len(broken) > 1 else ''} the original passes:\n"
            + "\n".join(broken)
        )
        results.append(_result(BREAKS_TESTS, "error", text, artifact, report.target_range))
    return results


def _judge_results(report: Report, artifact: dict[str, str]) -> list[dict[str, Any]]:
    return [
        _result(
            f"counterpoint/judge-{issue.severity}",
            _JUDGE_LEVELS.get(issue.severity, "note"),
            f"{voice_name(report, judgment.judge)} on {voice_name(report, judgment.target)}'s "
            f"proposal: {issue.message}",
            artifact,
            issue.range,
        )
        for judgment in report.judgments
        for issue in judgment.issues
    ]


def _result(
    rule: str, level: str, text: str, artifact: dict[str, str], span: Range
) -> dict[str, Any]:
    first = span.start.line + 1
    last = max(first, span.end.line)  # an end at column 0 of the next line ends the line before
    region = {"startLine": first, "endLine": last}
    return {
        "ruleId": rule,
        "level": level,
        "message": {"text": text},
        "locations": [{"physicalLocation": {"artifactLocation": artifact, "region": region}}],
    }


def _rules() -> list[dict[str, Any]]:
    """One rule per confidence label, described and levelled by the vocabulary's table, then
    the broken tests and the judges' issues."""
    rules = [
        _rule(f"counterpoint/{label}", f"Counterpoint: {label}", shown.wording, shown.sarif_level)
        for label, shown in PRESENTATION.items()
    ]
    rules.append(
        _rule(
            BREAKS_TESTS,
            "A proposal breaks tests",
            "a proposal fails tests that the original code passes",
            Severity.ERROR.sarif_level,
        )
    )
    rules += [
        _rule(
            f"counterpoint/judge-{severity}",
            f"A judge's {severity}",
            "an issue a judge found in the other family's proposal",
            level,
        )
        for severity, level in _JUDGE_LEVELS.items()
    ]
    return rules


def _rule(rule_id: str, short: str, full: str, level: str) -> dict[str, Any]:
    return {
        "id": rule_id,
        "shortDescription": {"text": short},
        "fullDescription": {"text": full},
        "defaultConfiguration": {"level": level},
    }


def _invocation(report: Report) -> dict[str, Any]:
    """Each failed model call is a notification, and so is each error that kept tests from
    loading; the run succeeded unless tests could not even be loaded."""
    notifications = [
        {"level": "error", "message": {"text": failure_detail(report, failure)}}
        for failure in report.failures
    ]
    stopped = collection_lines(report)
    notifications += [{"level": "error", "message": {"text": line}} for line in stopped]
    invocation: dict[str, Any] = {
        "executionSuccessful": not stopped,
        "toolExecutionNotifications": notifications,
    }
    setup = report.execution_setup
    if setup.get("interpreter"):
        invocation["properties"] = {
            "interpreter": setup["interpreter"],
            "interpreterReason": setup.get("interpreter_reason", ""),
        }
    return invocation


def _artifact(uri: str, workspace_root: str | None) -> tuple[dict[str, str], str | None]:
    """The document's artifactLocation, and the URI `%SRCROOT%` stands for (None: not used)."""
    parsed = urlparse(uri)
    if workspace_root is None or parsed.scheme not in ("file", ""):
        return {"uri": uri}, None
    path, root = PurePosixPath(unquote(parsed.path)), PurePosixPath(workspace_root)
    if not path.is_relative_to(root):
        return {"uri": uri}, None
    base = "file://" + quote(root.as_posix().rstrip("/") + "/")
    return {"uri": quote(path.relative_to(root).as_posix()), "uriBaseId": SRCROOT}, base
