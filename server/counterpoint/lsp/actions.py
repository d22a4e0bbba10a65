"""Code actions: start a cross-check on a selection, and accept a proposal as a quick fix; and
the accept command, which applies a proposal through workspace/applyEdit.

An accept quick fix carries no edit, only the accept command: the edit is computed when the
command runs, against the document as it is then (the stored report follows edits above it,
staleness.py), and sent at that version. A precomputed edit could be applied after the text
moved on: Neovim 0.7 applies an edit versioned 0 without checking the version, and corrupted the
buffer. If the checked lines changed, the command refuses and says so.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Any, TypedDict

from lsprotocol import types
from pygls.exceptions import JsonRpcInvalidParams
from pygls.workspace import Workspace

from counterpoint.core.context import definition_lines, encloses
from counterpoint.core.wording import evidence
from counterpoint.languages import UnsupportedLanguageError, language_for
from counterpoint.lsp.convert import stored_range, to_pipeline_range
from counterpoint.lsp.diagnostics import SOURCE
from counterpoint.lsp.editor import Editor
from counterpoint.lsp.protocol import RequestFailed
from counterpoint.lsp.questions import question_actions
from counterpoint.lsp.session import Session
from counterpoint.lsp.state import StoredReport
from counterpoint.model.request import Range
from counterpoint.model.text import split_lines

CROSS_CHECK_COMMAND = "counterpoint.crossCheck"
ACCEPT_COMMAND = "counterpoint.acceptProposal"
CROSS_CHECK_KIND = types.CodeActionKind.RefactorRewrite
STALE = "The document changed since this cross-check; run it again."


class AcceptData(TypedDict):
    """`CodeAction.data` of an accept action, so clients need not parse its title. It also
    serves as the accept command's argument, which reads `requestId` and `proposal`."""

    requestId: str
    proposal: str  # the proposal's id
    voice: str  # its voice's display name, e.g. for a diff's title
    # The proposal over the current text, to show (a diff), never to apply: applying is the
    # command's, which computes the edit again when it runs.
    preview: dict[str, Any]


def code_actions(
    session: Session, workspace: Workspace, params: types.CodeActionParams
) -> list[types.CodeAction]:
    uri = params.text_document.uri
    only = params.context.only
    actions: list[types.CodeAction] = []
    if _wanted(only, types.CodeActionKind.QuickFix):
        for stored in _reports_in_context(session, workspace, params):
            actions += [
                accept_action(workspace, stored, proposal_id, params.context.diagnostics)
                for proposal_id in _proposal_order(stored)
            ]
            actions += region_actions(workspace, stored, params)
            if not is_stale(workspace, stored):
                actions += question_actions(stored)
    if _wanted(only, CROSS_CHECK_KIND) and _worth_cross_checking(
        session, workspace, uri, params.range
    ):
        actions.append(
            types.CodeAction(
                title="Cross-check with Claude and GPT",
                kind=CROSS_CHECK_KIND,
                command=types.Command(
                    title="Cross-check with Claude and GPT",
                    command=CROSS_CHECK_COMMAND,
                    arguments=[
                        {
                            "uri": uri,
                            "range": _range_json(params.range),
                            "instruction": "",
                        }
                    ],
                ),
            )
        )
    return actions


def accept_action(
    workspace: Workspace,
    stored: StoredReport,
    proposal_id: str,
    diagnostics: Sequence[types.Diagnostic] = (),
) -> types.CodeAction:
    report = stored.report
    proposal = report.proposal(proposal_id)
    assert proposal is not None
    recommended = proposal_id == report.recommended
    title = f"Accept {proposal.voice_name}'s proposal" + (" (recommended)" if recommended else "")
    why = evidence(report, proposal_id)
    if why:
        title += f": {why}"
    ours = [d for d in diagnostics if d.source == SOURCE]
    edit = accept_text_edit(workspace, stored, proposal_id)
    action = types.CodeAction(
        title=title,
        kind=types.CodeActionKind.QuickFix,
        diagnostics=ours or None,
        is_preferred=recommended or None,
        data=AcceptData(
            requestId=report.request_id,
            proposal=proposal_id,
            voice=proposal.voice_name,
            preview={"range": _range_json(edit.range), "newText": edit.new_text},
        ),
        command=types.Command(
            title=title,
            command=ACCEPT_COMMAND,
            arguments=[{"requestId": report.request_id, "proposal": proposal_id}],
        ),
    )
    if is_stale(workspace, stored):
        action.disabled = types.CodeActionDisabled(reason=STALE)
    return action


def region_actions(
    workspace: Workspace, stored: StoredReport, params: types.CodeActionParams
) -> list[types.CodeAction]:
    """Where the proposals differ in several independent regions, take one region at a time."""
    regions = [(index, d) for index, d in enumerate(stored.report.disagreements) if d.texts]
    if len(regions) < 2 or is_stale(workspace, stored):
        return []
    document = workspace.get_text_document(stored.uri)
    current = to_pipeline_range(document, params.range)
    wanted = Range(stored.unshifted(current.start), stored.unshifted(current.end))
    names = {p.id: p.voice_name for p in stored.report.proposals}
    actions = []
    for index, region in regions:
        if not (region.range.overlaps(wanted) or region.range.start.line == wanted.start.line):
            continue
        for proposal_id in region.texts:
            title = f"Use {names.get(proposal_id, proposal_id)}'s version of this region"
            # Like an accept: the command computes the edit when it runs.
            argument = {
                "requestId": stored.report.request_id,
                "proposal": proposal_id,
                "region": index,
            }
            actions.append(
                types.CodeAction(
                    title=title,
                    kind=types.CodeActionKind.QuickFix,
                    command=types.Command(
                        title=title, command=ACCEPT_COMMAND, arguments=[argument]
                    ),
                )
            )
    return actions


def accept_text_edit(
    workspace: Workspace, stored: StoredReport, proposal_id: str, region: int | None = None
) -> types.TextEdit:
    """The proposal over the checked lines (or its version of one region, by its index in the
    report's disagreements), in the document's current coordinates."""
    document = workspace.get_text_document(stored.uri)
    if region is not None:
        disagreement = stored.report.disagreements[region]
        span, code = disagreement.range, disagreement.texts[proposal_id]
    else:
        proposal = stored.report.proposal(proposal_id)
        assert proposal is not None
        span, code = stored.report.target_range, proposal.code
    return types.TextEdit(
        range=stored_range(stored, span, document), new_text=stored.restored(code)
    )


def accept_edit(
    workspace: Workspace, stored: StoredReport, proposal_id: str, region: int | None = None
) -> types.WorkspaceEdit:
    """The accept edit, versioned at the document's current version (which the stored report
    has followed): computed when it is applied, never ahead of time."""
    document = workspace.get_text_document(stored.uri)
    return types.WorkspaceEdit(
        document_changes=[
            types.TextDocumentEdit(
                text_document=types.OptionalVersionedTextDocumentIdentifier(
                    uri=stored.uri, version=document.version
                ),
                edits=[accept_text_edit(workspace, stored, proposal_id, region)],
            )
        ]
    )


def lines_moved(workspace: Workspace, stored: StoredReport) -> bool:
    """Whether the checked lines, where the report says they are now, are no longer the lines
    the proposals were written for."""
    document = workspace.get_text_document(stored.uri)
    current = split_lines(document.source)
    target = stored.report.target_range
    last = target.end.line - (1 if target.end.character == 0 and target.end > target.start else 0)
    return any(
        stored.lines[line]
        != (current[line + stored.shift] if line + stored.shift < len(current) else "")
        for line in range(target.start.line, last + 1)
    )


def is_stale(workspace: Workspace, stored: StoredReport) -> bool:
    document = workspace.get_text_document(stored.uri)
    return stored.version is not None and document.version != stored.version


async def accept(editor: Editor, session: Session, arguments: tuple[Any, ...]) -> dict[str, Any]:
    """The accept command: apply a proposal through workspace/applyEdit, given
    {"requestId": …, "proposal": "claude"}, and "region": n for its version of one region only
    (the index of that region in the report's disagreements)."""
    argument = arguments[0] if len(arguments) == 1 and isinstance(arguments[0], dict) else {}
    proposal_id = argument.get("proposal")
    if not isinstance(proposal_id, str) or not isinstance(argument.get("requestId"), str):
        raise JsonRpcInvalidParams(f"{ACCEPT_COMMAND} takes {{requestId, proposal}}")
    stored = session.store.get(argument["requestId"])
    if stored is None:
        # The error answers the request, and the client shows it: no window/showMessage too.
        raise RequestFailed(
            "That cross-check is no longer current (its code was edited); run it again."
        )
    proposal = stored.report.proposal(proposal_id)
    if proposal is None:
        raise JsonRpcInvalidParams(f"no proposal {proposal_id!r} in that cross-check")
    region = argument.get("region")
    disagreements = stored.report.disagreements
    if region is not None and not (
        isinstance(region, int)
        and not isinstance(region, bool)
        and 0 <= region < len(disagreements)
        and proposal_id in disagreements[region].texts
    ):
        raise JsonRpcInvalidParams(f"no region {region!r} of {proposal_id!r} in that cross-check")
    workspace = editor.workspace
    if is_stale(workspace, stored) or lines_moved(workspace, stored):
        raise RequestFailed(STALE)
    result = await asyncio.shield(
        editor.workspace_apply_edit_async(
            types.ApplyWorkspaceEditParams(
                edit=accept_edit(workspace, stored, proposal_id, region),
                # What an editor's undo names: the voice, as people call it.
                label=f"Accept {proposal.voice_name}'s proposal"
                + (" for one region" if region is not None else ""),
            )
        )
    )
    return {"applied": result.applied, "failureReason": result.failure_reason}


def _reports_in_context(
    session: Session, workspace: Workspace, params: types.CodeActionParams
) -> list[StoredReport]:
    store = session.store
    found: dict[str, StoredReport] = {}
    for diagnostic in params.context.diagnostics:
        request_id = _request_id(diagnostic.data) if diagnostic.source == SOURCE else None
        stored = store.get(request_id) if request_id else None
        if stored is not None:
            found[request_id] = stored  # type: ignore[index]
    document = workspace.get_text_document(params.text_document.uri)
    for stored in store.overlapping(
        params.text_document.uri, to_pipeline_range(document, params.range)
    ):
        found.setdefault(stored.report.request_id, stored)
    return list(found.values())


def _proposal_order(stored: StoredReport) -> list[str]:
    """The recommended proposal first, then the others in voice order."""
    ids = [p.id for p in stored.report.proposals]
    recommended = stored.report.recommended
    return sorted(ids, key=lambda proposal_id: proposal_id != recommended)


def _request_id(data: Any) -> str | None:
    if isinstance(data, dict) and isinstance(data.get("requestId"), str):
        return data["requestId"]
    return None


def _wanted(only: Sequence[str] | None, kind: str) -> bool:
    return not only or any(kind == k or kind.startswith(f"{k}.") for k in only)


# Above this size a cursor (an empty range) gets no cross-check action: finding the definitions
# means parsing the whole document (about 0.2 s at this size).
CURSOR_ACTION_MAX_CHARS = 256 * 1024


def _worth_cross_checking(
    session: Session, workspace: Workspace, uri: str, span: types.Range
) -> bool:
    """A supported language, and a non-empty selection or a cursor inside a definition: the
    lightbulb is not offered on every line of every file. The definitions are found once per
    document version: clients ask for code actions on every cursor move."""
    document = workspace.get_text_document(uri)
    try:
        language = language_for(document.language_id, document.path)
    except UnsupportedLanguageError:
        return False
    if span.start != span.end:
        return True
    source = document.source
    if len(source) > CURSOR_ACTION_MAX_CHARS:
        return False
    key = (uri, document.version, len(source))
    spans = session.definitions.get(key)
    if spans is None:
        spans = definition_lines(language, source)
        session.definitions.put(key, spans)
    return encloses(spans, span.start.line)


def _range_json(span: types.Range) -> dict[str, Any]:
    return {
        "start": {"line": span.start.line, "character": span.start.character},
        "end": {"line": span.end.line, "character": span.end.character},
    }
