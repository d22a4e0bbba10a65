"""Inline suggestions: on a disputed line, the recommended proposal's version of it, with the
other proposals' versions as alternatives. Inline items must stay on one line, so only regions
of one line on each side are offered; longer ones are the quick fixes' job.

Each item names its version in its command's title ("Claude's version (recommended)"): the LSP
item has no other field for it, and a client may show it (the VS Code extension does). The
command, run after the item is inserted as the protocol says, only records which version was
taken; the insertion is the edit."""

from __future__ import annotations

import logging
from typing import Any

from lsprotocol import types
from pygls.exceptions import JsonRpcInvalidParams
from pygls.workspace import TextDocument, Workspace

from counterpoint.lsp.convert import stored_range, to_pipeline_position
from counterpoint.lsp.session import Session
from counterpoint.model.text import line_at

log = logging.getLogger(__name__)

INLINE_ACCEPTED_COMMAND = "counterpoint.inlineAccepted"


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
    names = {p.id: p.voice_name for p in report.proposals}
    order = sorted(names, key=lambda proposal_id: proposal_id != report.recommended)
    for index, region in enumerate(report.disagreements):
        one_line = region.range.end.line - region.range.start.line == 1
        if not one_line or region.range.start.line != position.line or not region.original:
            continue
        items = []
        for proposal_id in order:
            text = region.texts.get(proposal_id, "")
            if text.count("\n") != 1 or text == region.original:
                continue
            start = stored_range(stored, region.range, document).start
            label = f"{names[proposal_id]}'s version" + (
                " (recommended)" if proposal_id == report.recommended else ""
            )
            items.append(
                types.InlineCompletionItem(
                    insert_text=stored.restored(text).rstrip("\r\n"),
                    range=_whole_line(document, start.line),
                    filter_text=stored.restored(region.original).rstrip("\r\n"),
                    command=types.Command(
                        title=label,
                        command=INLINE_ACCEPTED_COMMAND,
                        arguments=[
                            {
                                "requestId": report.request_id,
                                "proposal": proposal_id,
                                "region": index,
                            }
                        ],
                    ),
                )
            )
        if items:
            return types.InlineCompletionList(items=items)
    return None


def inline_accepted(arguments: tuple[Any, ...]) -> dict[str, Any]:
    """`counterpoint.inlineAccepted` `{"requestId", "proposal", "region"}`: an inline item was
    inserted. Only logged: the edit was the insertion itself."""
    argument = arguments[0] if len(arguments) == 1 and isinstance(arguments[0], dict) else {}
    request_id, proposal_id = argument.get("requestId"), argument.get("proposal")
    if not isinstance(request_id, str) or not isinstance(proposal_id, str):
        raise JsonRpcInvalidParams(
            f"{INLINE_ACCEPTED_COMMAND} takes {{requestId, proposal, region}}"
        )
    log.info(
        "inline suggestion taken: %s's version of region %s (request %s)",
        proposal_id,
        argument.get("region"),
        request_id,
    )
    return {"requestId": request_id, "proposal": proposal_id, "noted": True}


def _whole_line(document: TextDocument, line: int) -> types.Range:
    """The line without its line break, in client units: an inline item stays on one line."""
    text = line_at(document.source, line).rstrip("\r\n")
    end = document.position_codec.client_num_units(text)
    return types.Range(types.Position(line, 0), types.Position(line, end))
