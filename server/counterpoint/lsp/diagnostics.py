"""Diagnostics: one per disagreement (or one verdict summary) for every stored report."""

from __future__ import annotations

import asyncio
import contextlib
from typing import TypedDict

from lsprotocol import types
from pygls.workspace import Workspace

from counterpoint.core.wording import summary_line
from counterpoint.lsp.convert import stored_range, to_lsp_range
from counterpoint.lsp.editor import Editor
from counterpoint.lsp.session import Session
from counterpoint.lsp.state import StoredReport
from counterpoint.model.request import Range
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
    final: bool  # False while the cross-check still runs: the label is not final


def severity_of(label: str) -> types.DiagnosticSeverity:
    shown = presentation(label)
    if not shown.on_the_code:  # the service failed: a hint, no squiggle; a message says it
        return types.DiagnosticSeverity.Hint
    return _LSP_SEVERITY[shown.severity]


def diagnostics_for(workspace: Workspace, stored: StoredReport) -> list[types.Diagnostic]:
    report = stored.report
    document = workspace.get_text_document(stored.uri)
    data: DiagnosticData = {
        "requestId": report.request_id,
        "proposals": [p.id for p in report.proposals],
        "recommended": report.recommended,
        "label": report.confidence.label,
        "version": stored.version,
        "final": report.final,
    }
    severity = severity_of(report.confidence.label)
    headline = summary_line(report)
    if not report.final:
        # What has arrived so far; judgments, tests and the comparison update it in place.
        severity = types.DiagnosticSeverity.Information
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
            code=report.confidence.label if report.final else "partial",
            data=data,
        )
        for span, message in spans
    ]
    return diagnostics


# A burst of updates (judgments, test runs) is published at most this often per document.
PUBLISH_INTERVAL_S = 0.05


def publish_soon(editor: Editor, session: Session, uri: str, *, urgent: bool = False) -> None:
    """Publish now when nothing was published on this document in the last interval (or when
    `urgent`: a proposal just arrived); else once, at the end of the interval, whatever is
    stored then. A burst costs the client one message per interval, and the first piece of it
    goes out at once."""
    loop = asyncio.get_running_loop()
    last = session.published_at.get(uri)
    if urgent or last is None or loop.time() - last >= PUBLISH_INTERVAL_S:
        publish(editor, session, uri)
        return
    if uri not in session.publish_timers:
        session.publish_timers[uri] = loop.call_at(
            last + PUBLISH_INTERVAL_S, lambda: publish(editor, session, uri)
        )


def publish(editor: Editor, session: Session, uri: str) -> None:
    """Publish the merged diagnostics of every report on this document, plus a
    "Cross-checking…" marker on each range still being checked that has no partial report."""
    timer = session.publish_timers.pop(uri, None)
    if timer is not None:
        timer.cancel()
    with contextlib.suppress(RuntimeError):  # no running loop: a synchronous caller
        session.published_at[uri] = asyncio.get_running_loop().time()
    workspace = editor.workspace
    stored_reports = session.store.for_uri(uri)
    diagnostics = [d for stored in stored_reports for d in diagnostics_for(workspace, stored)]
    document = workspace.get_text_document(uri)
    lines = Lines(document.source)
    partial = [s for s in stored_reports if not s.report.final]
    for span in session.running_on(uri):
        if any(
            s.report.target_range.overlaps(Range(s.unshifted(span.start), s.unshifted(span.end)))
            for s in partial
        ):
            continue  # its partial report's diagnostic says what is still running
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
