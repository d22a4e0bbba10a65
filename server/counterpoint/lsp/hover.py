"""Hover over a cross-checked range: both proposals, both judgments, the label and its reasons."""

from __future__ import annotations

from lsprotocol import types
from pygls.workspace import Workspace

from counterpoint.core.render import render_markdown
from counterpoint.languages import UnsupportedLanguageError, language_for
from counterpoint.lsp.convert import stored_range, to_pipeline_position
from counterpoint.lsp.session import Session
from counterpoint.model.request import Position, Range


def hover(session: Session, workspace: Workspace, params: types.HoverParams) -> types.Hover | None:
    uri = params.text_document.uri
    document = workspace.get_text_document(uri)
    stored = session.store.at(uri, to_pipeline_position(document, params.position))
    if stored is None:
        return None
    try:
        fence = language_for(stored.report.language).fence
    except UnsupportedLanguageError:
        fence = ""
    position = stored.unshifted(to_pipeline_position(document, params.position))
    region = next(
        (d for d in stored.report.disagreements if d.texts and _within(d.range, position)), None
    )
    text = render_markdown(stored.report, fence, session.cost_usd, region=region)
    span = region.range if region is not None else stored.report.target_range
    return types.Hover(
        contents=types.MarkupContent(kind=types.MarkupKind.Markdown, value=text),
        range=stored_range(stored, span, document),
    )


def _within(span: Range, position: Position) -> bool:
    if span.is_empty:
        return position.line == span.start.line
    return span.start <= position < span.end
