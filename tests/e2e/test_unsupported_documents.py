"""The VS Code client hands the server every file the user edits, whatever its language
(client-vscode/src/pure/documents.ts): a document in a language Counterpoint does not check gets
nothing from the server, quietly, and a cross-check of one says which languages it checks."""

import pytest
from lsprotocol import types
from pygls.exceptions import JsonRpcException

from tests.e2e.conftest import FIXTURES, whole_lines
from tests.e2e.test_crosscheck import cross_check

NOTES = "# Notes\n\nwindow_sums adds up each window.\n"


def open_notes(client) -> tuple[str, types.TextDocumentIdentifier]:
    uri = (FIXTURES / "NOTES.md").as_uri()
    client.text_document_did_open(
        types.DidOpenTextDocumentParams(
            text_document=types.TextDocumentItem(
                uri=uri, language_id="markdown", version=1, text=NOTES
            )
        )
    )
    return uri, types.TextDocumentIdentifier(uri)


async def test_a_document_in_another_language_gets_nothing(client, fake_providers):
    uri, document = open_notes(client)
    line = types.Range(types.Position(2, 0), types.Position(2, 11))
    actions = await client.text_document_code_action_async(
        types.CodeActionParams(document, line, types.CodeActionContext(diagnostics=[]))
    )
    assert not actions
    hover = await client.text_document_hover_async(
        types.HoverParams(document, types.Position(2, 3))
    )
    assert hover is None
    inline = await client.text_document_inline_completion_async(
        types.InlineCompletionParams(
            types.InlineCompletionContext(types.InlineCompletionTriggerKind.Invoked),
            document,
            types.Position(2, 3),
        )
    )
    assert not (inline.items if isinstance(inline, types.InlineCompletionList) else inline)
    client.text_document_did_change(
        types.DidChangeTextDocumentParams(
            types.VersionedTextDocumentIdentifier(2, uri),
            [types.TextDocumentContentChangeWholeDocument(NOTES + "More.\n")],
        )
    )
    client.text_document_did_close(types.DidCloseTextDocumentParams(document))
    status = await client.workspace_execute_command_async(
        types.ExecuteCommandParams(command="counterpoint.serverStatus", arguments=[])
    )
    assert status["documents"] == 0 and status["reports"] == 0
    assert uri not in client.diagnostics
    assert not client.messages
    assert not fake_providers.accepted


async def test_cross_checking_one_names_the_languages_it_can_check(client, fake_providers):
    uri, _ = open_notes(client)
    with pytest.raises(JsonRpcException) as refused:
        await cross_check(client, uri, whole_lines(2, 2))
    supported = "supported: go, javascript, python, rust, typescript"
    assert f"unsupported language 'markdown'; {supported}" in str(refused.value)
    assert not fake_providers.accepted  # no model was asked
    assert not client.diagnostics.get(uri)  # the "Cross-checking…" mark is cleared
