"""Inline suggestions: on a disputed line, the recommended proposal's version of it, with the
other proposals' versions as alternatives. Inline items must stay on one line, so only regions
of one line on each side are offered; longer ones are the quick fixes' job."""

from __future__ import annotations

from lsprotocol import types
from pygls.workspace import TextDocument, Workspace

from counterpoint.lsp.convert import stored_range, to_pipeline_position
from counterpoint.lsp.session import Session
from counterpoint.model.text import line_at


def inline_completions(
    session: Session, workspace: Workspace, params: types.InlineCompletionParams
) -> types.InlineCompletionList | None:
    uri = params.text_document.uri
    document = workspace.get_text_document(uri)
    current = to_pipeline_position(document, params.position)
    stored = session.store.at(uri, current)
    if stored is None:
        return None
    position = stored.unshifted(current)
    report = stored.report
    order = sorted(
        (p.id for p in report.proposals), key=lambda proposal_id: proposal_id != report.recommended
    )
    for region in report.disagreements:
        one_line = region.range.end.line - region.range.start.line == 1
        if not one_line or region.range.start.line != position.line or not region.original:
            continue
        items = []
        for proposal_id in order:
            text = region.texts.get(proposal_id, "")
            if text.count("\n") != 1 or text == region.original:
                continue
            start = stored_range(stored, region.range, document).start
            items.append(
                types.InlineCompletionItem(
                    insert_text=stored.restored(text).rstrip("\r\n"),
                    range=_whole_line(document, start.line),
                    filter_text=stored.restored(region.original).rstrip("\r\n"),
                )
            )
        if items:
            return types.InlineCompletionList(items=items)
    return None


def _whole_line(document: TextDocument, line: int) -> types.Range:
    """The line without its line break, in client units: an inline item stays on one line."""
    text = line_at(document.source, line).rstrip("\r\n")
    end = document.position_codec.client_num_units(text)
    return types.Range(types.Position(line, 0), types.Position(line, end))
