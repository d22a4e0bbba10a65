"""Hover over a cross-checked range: both proposals, both judgments, the label and its reasons."""

from __future__ import annotations

from lsprotocol import types
from pygls.lsp.server import LanguageServer

from counterpoint.languages import UnsupportedLanguageError, language_for
from counterpoint.lsp.convert import to_lsp_range, to_pipeline_position
from counterpoint.lsp.state import ReportStore
from counterpoint.pipeline.render import render_markdown


def hover(
    server: LanguageServer, store: ReportStore, params: types.HoverParams
) -> types.Hover | None:
    uri = params.text_document.uri
    document = server.workspace.get_text_document(uri)
    stored = store.at(uri, to_pipeline_position(document, params.position))
    if stored is None:
        return None
    try:
        fence = language_for(stored.report.language).fence
    except UnsupportedLanguageError:
        fence = ""
    return types.Hover(
        contents=types.MarkupContent(
            kind=types.MarkupKind.Markdown, value=render_markdown(stored.report, fence)
        ),
        range=to_lsp_range(stored.lines, stored.report.target_range, document),
    )
