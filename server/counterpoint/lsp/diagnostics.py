"""Diagnostics: one per disagreement (or one verdict summary) for every stored report."""

from __future__ import annotations

from typing import TypedDict

from lsprotocol import types
from pygls.workspace import Workspace

from counterpoint.core.render import failing_tests, summary_line
from counterpoint.lsp.convert import stored_range, to_lsp_range
from counterpoint.lsp.editor import Editor
from counterpoint.lsp.session import Session
from counterpoint.lsp.state import StoredReport
from counterpoint.model.text import Lines
from counterpoint.model.vocabulary import Severity, presentation

SOURCE = "counterpoint"

_LSP_SEVERITY = {
    Severity.INFORMATION: types.DiagnosticSeverity.Information,
    Severity.WARNING: types.DiagnosticSeverity.Warning,
    Severity.ERROR: types.DiagnosticSeverity.Error,
}


class DiagnosticData(TypedDict):
    """`Diagnostic.data` of every report diagnostic: code actions find their report by it."""

    requestId: str
    proposals: list[str]
    recommended: str | None
    label: str
    version: int | None


class BreaksTestsData(DiagnosticData):
    """On a "breaks-tests" diagnostic: also the proposal that breaks them."""

    proposal: str


def severity_of(label: str) -> types.DiagnosticSeverity:
    return _LSP_SEVERITY[presentation(label).severity]


def diagnostics_for(workspace: Workspace, stored: StoredReport) -> list[types.Diagnostic]:
    report = stored.report
    document = workspace.get_text_document(stored.uri)
    data: DiagnosticData = {
        "requestId": report.request_id,
        "proposals": [p.id for p in report.proposals],
        "recommended": report.recommended,
        "label": report.confidence.label,
        "version": stored.version,
    }
    severity = severity_of(report.confidence.label)
    headline = summary_line(report)
    spans = [
        (d.range, f"{headline}\n{d.summary}" if index == 0 else d.summary)
        for index, d in enumerate(report.disagreements)
    ] or [(report.target_range, headline)]
    diagnostics = [
        types.Diagnostic(
            range=stored_range(stored, span, document),
            message=message,
            severity=severity,
            source=SOURCE,
            code=report.confidence.label,
            data=data,
        )
        for span, message in spans
    ]
    # A proposal that breaks tests the original passed is an error, named with its tests.
    for proposal in report.proposals:
        execution = report.execution_of(proposal.id)
        if execution is None or not execution.regressions:
            continue
        diagnostics.append(
            types.Diagnostic(
                range=stored_range(stored, report.target_range, document),
                message=f"{proposal.voice_name}'s proposal breaks tests the original passes:\n"
                + "\n".join(failing_tests(report, proposal.id)),
                severity=types.DiagnosticSeverity.Error,
                source=SOURCE,
                code="breaks-tests",
                data=BreaksTestsData(**data, proposal=proposal.id),
            )
        )
    return diagnostics


def publish(editor: Editor, session: Session, uri: str) -> None:
    """Publish the merged diagnostics of every report on this document, plus a
    "Cross-checking…" marker on each range still being checked."""
    workspace = editor.workspace
    diagnostics = [
        d for stored in session.store.for_uri(uri) for d in diagnostics_for(workspace, stored)
    ]
    document = workspace.get_text_document(uri)
    lines = Lines(document.source)
    for span in session.running_on(uri):
        diagnostics.append(
            types.Diagnostic(
                range=to_lsp_range(lines, span, document),
                message="Cross-checking…",
                severity=types.DiagnosticSeverity.Information,
                source=SOURCE,
                code="in-progress",
            )
        )
    editor.text_document_publish_diagnostics(
        types.PublishDiagnosticsParams(uri=uri, diagnostics=diagnostics, version=document.version)
    )
