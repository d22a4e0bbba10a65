"""Code actions: start a cross-check from a selection; accept a proposal through the accept
command, which computes its edit against the document as it is when the command runs."""

import pytest
from lsprotocol import types
from pygls.exceptions import JsonRpcException

from tests.e2e.conftest import open_fixture, whole_lines
from tests.e2e.scripts import ACCEPT, FIXED, script_disagreement
from tests.e2e.test_crosscheck import cross_check
from tests.fakes.providers import Reply


def apply_text_edit(text: str, edit: types.TextEdit) -> str:
    lines = text.splitlines(keepends=True)
    start = sum(len(line) for line in lines[: edit.range.start.line]) + edit.range.start.character
    end = sum(len(line) for line in lines[: edit.range.end.line]) + edit.range.end.character
    return text[:start] + edit.new_text + text[end:]


async def code_actions(client, uri, diagnostics=(), only=None):
    return await client.text_document_code_action_async(
        types.CodeActionParams(
            text_document=types.TextDocumentIdentifier(uri),
            range=types.Range(types.Position(6, 0), types.Position(6, 10)),
            context=types.CodeActionContext(diagnostics=list(diagnostics), only=only),
        )
    )


def command_of(action: types.CodeAction) -> dict:
    """The command a code action runs, as the server sent it."""
    return {"command": action.command.command, "arguments": list(action.command.arguments)}


def record_applied_edits(client) -> list[types.ApplyWorkspaceEditParams]:
    applied: list[types.ApplyWorkspaceEditParams] = []

    @client.feature(types.WORKSPACE_APPLY_EDIT)
    def on_apply_edit(params: types.ApplyWorkspaceEditParams):
        applied.append(params)
        return types.ApplyWorkspaceEditResult(applied=True)

    return applied


async def run_action(client, action: types.CodeAction):
    command = command_of(action)
    return await client.workspace_execute_command_async(
        types.ExecuteCommandParams(command=command["command"], arguments=command["arguments"])
    )


async def test_any_selection_offers_a_cross_check(client, fake_providers):
    uri, _ = open_fixture(client)
    (action,) = await code_actions(client, uri, only=[types.CodeActionKind.Refactor])
    assert action.title == "Cross-check with Claude and GPT"
    command = command_of(action)
    assert command["command"] == "counterpoint.crossCheck"
    assert command["arguments"][0] == {
        "uri": uri,
        "range": {"start": {"line": 6, "character": 0}, "end": {"line": 6, "character": 10}},
        "instruction": "",
    }
    assert not await code_actions(client, uri, only=[types.CodeActionKind.QuickFix])


async def test_accepting_the_recommended_proposal_changes_the_document(client, fake_providers):
    script_disagreement(fake_providers)
    uri, text = open_fixture(client)
    await cross_check(client, uri, whole_lines(0, 6))
    diagnostics = client.diagnostics[uri]

    fixes = await code_actions(client, uri, diagnostics, only=[types.CodeActionKind.QuickFix])
    assert [a.title for a in fixes] == [
        "Accept Claude's proposal (recommended): passes all 5 tests; "
        "GPT's breaks test_window_larger_than_list_has_no_sums",
        # That it breaks a test is a fact about the proposal: said on its own entry.
        "Accept GPT's proposal: breaks test_window_larger_than_list_has_no_sums",
    ]
    # Each accept action names its request and proposal, so a client need not parse its title.
    request_id = diagnostics[0].data["requestId"]
    assert [{k: v for k, v in a.data.items() if k != "preview"} for a in fixes] == [
        {"requestId": request_id, "proposal": "claude", "voice": "Claude"},
        {"requestId": request_id, "proposal": "gpt", "voice": "GPT"},
    ]
    accept = fixes[0]
    assert accept.is_preferred
    assert list(accept.diagnostics) == list(diagnostics)
    # No edit travels with the action, so no client can apply it once the text moved on: it
    # runs the accept command, which computes the edit when it runs.
    assert accept.edit is None
    assert command_of(accept) == {
        "command": "counterpoint.acceptProposal",
        "arguments": [{"requestId": request_id, "proposal": "claude"}],
    }
    applied = record_applied_edits(client)
    assert (await run_action(client, accept))["applied"] is True
    (change,) = applied[0].edit.document_changes
    assert change.text_document.version == 1
    assert applied[0].label == "Accept Claude's proposal"  # undo names the voice, not its id
    # The preview in `data` (for a diff) is that edit.
    assert accept.data["preview"]["newText"] == change.edits[0].new_text

    new_text = apply_text_edit(text, change.edits[0])
    assert new_text == FIXED + text[text.index("\n\ndef untouched") :]
    client.text_document_did_change(
        types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=2),
            content_changes=[types.TextDocumentContentChangeWholeDocument(text=new_text)],
        )
    )
    # The edit landed inside the checked lines: the report is stale, so it is cleared.
    await client.wait_for_notification("textDocument/publishDiagnostics")
    assert list(client.diagnostics[uri]) == []
    assert not await code_actions(client, uri, diagnostics, only=[types.CodeActionKind.QuickFix])


async def test_reports_follow_edits_above_them_and_expire_on_edits_inside(client, fake_providers):
    applied = record_applied_edits(client)

    script_disagreement(fake_providers)
    uri, text = open_fixture(client)
    summary = await cross_check(client, uri, whole_lines(0, 6))

    # Two lines added above: the diagnostics move down with the code.
    client.text_document_did_change(
        types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=2),
            content_changes=[types.TextDocumentContentChangeWholeDocument(text="#\n#\n" + text)],
        )
    )
    await client.wait_for_notification("textDocument/publishDiagnostics")
    moved = next(d for d in client.diagnostics[uri] if d.code == "verified-one")
    assert moved.range == types.Range(types.Position(8, 0), types.Position(9, 0))

    accept = types.ExecuteCommandParams(
        command="counterpoint.acceptProposal",
        arguments=[{"requestId": summary["requestId"], "proposal": "claude"}],
    )
    result = await client.workspace_execute_command_async(accept)
    assert result["applied"] is True
    (change,) = applied[0].edit.document_changes
    assert change.text_document.version == 2
    assert change.edits[0].range == types.Range(types.Position(2, 0), types.Position(9, 0))

    # An edit inside the checked lines: the report expires and accepting it is refused.
    edited = "#\n#\n" + text.replace("range(len(xs) - k)", "range(len(xs))")
    client.text_document_did_change(
        types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=3),
            content_changes=[types.TextDocumentContentChangeWholeDocument(text=edited)],
        )
    )
    await client.wait_for_notification("textDocument/publishDiagnostics")
    assert list(client.diagnostics[uri]) == []
    with pytest.raises(JsonRpcException, match="no longer current"):
        await client.workspace_execute_command_async(accept)


async def test_independent_regions_can_be_taken_one_at_a_time(client, fake_providers):
    from tests.e2e.scripts import ACCEPT
    from tests.fakes.providers import Reply

    reworded = FIXED.replace("def window_sums(xs, k):", "def window_sums(xs, k=2):").replace(
        "range(len(xs) - k + 1)", "range(0, len(xs) - k + 1)"
    )
    fake_providers.script(
        "anthropic",
        "submit_proposal",
        Reply.structured({"code": FIXED, "explanation": "", "tests": [], "edge_cases": []}),
    )
    fake_providers.script(
        "openai",
        "submit_proposal",
        Reply.structured({"code": reworded, "explanation": "", "tests": [], "edge_cases": []}),
    )
    fake_providers.default("openai", "submit_judgment", Reply.structured(ACCEPT))
    fake_providers.default("anthropic", "submit_judgment", Reply.structured(ACCEPT))
    uri, text = open_fixture(client)
    await cross_check(client, uri, whole_lines(0, 6))
    assert len(client.diagnostics[uri]) == 2  # the signature and the return line

    fixes = await code_actions(client, uri, client.diagnostics[uri], only=["quickfix"])
    regional = [f for f in fixes if f.title.endswith("version of this region")]
    assert [f.title for f in regional] == [
        "Use Claude's version of this region",
        "Use GPT's version of this region",
    ]
    assert all(f.edit is None for f in regional)  # the command computes the edit when it runs
    applied = record_applied_edits(client)
    assert (await run_action(client, regional[1]))["applied"] is True
    (change,) = applied[0].edit.document_changes
    assert change.text_document.version == 1
    (edit,) = change.edits
    assert edit.range == types.Range(types.Position(6, 0), types.Position(7, 0))
    new_text = apply_text_edit(text, edit)
    assert "range(0, len(xs) - k + 1)" in new_text and "def window_sums(xs, k):" in new_text


async def test_an_inline_suggestion_offers_the_recommended_line(client, fake_providers):
    from tests.e2e.scripts import ACCEPT
    from tests.fakes.providers import Reply

    claude = FIXED.replace("range(len(xs) - k + 1)", "range(len(xs) + 1 - k)")
    fake_providers.script(
        "anthropic",
        "submit_proposal",
        Reply.structured({"code": claude, "explanation": "", "tests": [], "edge_cases": []}),
    )
    fake_providers.script(
        "openai",
        "submit_proposal",
        Reply.structured({"code": FIXED, "explanation": "", "tests": [], "edge_cases": []}),
    )
    fake_providers.default("openai", "submit_judgment", Reply.structured(ACCEPT))
    fake_providers.default("anthropic", "submit_judgment", Reply.structured(ACCEPT))
    uri, text = open_fixture(client)
    summary = await cross_check(client, uri, whole_lines(0, 6))
    result = await client.text_document_inline_completion_async(
        types.InlineCompletionParams(
            text_document=types.TextDocumentIdentifier(uri),
            position=types.Position(6, 4),
            context=types.InlineCompletionContext(
                trigger_kind=types.InlineCompletionTriggerKind.Invoked
            ),
        )
    )
    assert result is not None
    recommended = summary["recommended"]
    first, second = result.items
    expected = {"claude": claude, "gpt": FIXED}
    assert first.insert_text == expected[recommended].splitlines()[6]
    assert (
        second.insert_text
        == expected["gpt" if recommended == "claude" else "claude"].splitlines()[6]
    )
    line = text.splitlines()[6]
    assert first.range == types.Range(types.Position(6, 0), types.Position(6, len(line)))
    # Each item names its version in its command's title, which VS Code's extension shows.
    names = {"claude": "Claude", "gpt": "GPT"}
    other = "gpt" if recommended == "claude" else "claude"
    assert first.command.title == f"{names[recommended]}'s version (recommended)"
    assert second.command.title == f"{names[other]}'s version"
    assert first.command.command == second.command.command == "counterpoint.inlineAccepted"
    argument = first.command.arguments[0]
    assert argument == {"requestId": summary["requestId"], "proposal": recommended, "region": 0}
    # Run after the insertion, as the protocol says: it only records the choice.
    noted = await client.workspace_execute_command_async(
        types.ExecuteCommandParams(command=first.command.command, arguments=[argument])
    )
    assert noted == {"requestId": summary["requestId"], "proposal": recommended, "noted": True}
    with pytest.raises(JsonRpcException):
        await client.workspace_execute_command_async(
            types.ExecuteCommandParams(command=first.command.command, arguments=[{"region": 0}])
        )


async def test_an_accepted_proposal_gets_back_the_secrets_the_models_never_saw(
    client, fake_providers
):
    """The models see a placeholder where the selection holds a secret and keep it in their
    code; accepting the proposal must write the real value back, not the placeholder."""
    token = "ghp_Q7w2E9r4T1y6U3i8O5p0A2s7D4f9G1h6J3k8"
    client.set_configuration({"execute": False}, section="counterpoint")
    client.workspace_did_change_configuration(types.DidChangeConfigurationParams(settings=None))
    uri, text = open_fixture(client)
    marker = '    """\n'
    with_token = text.replace(marker, f'{marker}    token = "{token}"\n', 1)
    client.text_document_did_change(
        types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=2),
            content_changes=[types.TextDocumentContentChangeWholeDocument(text=with_token)],
        )
    )
    kept = FIXED.replace(marker, f'{marker}    token = "REDACTED-github-token-1"\n', 1)
    for provider in ("anthropic", "openai"):
        fake_providers.default(
            provider,
            "submit_proposal",
            Reply.structured({"code": kept, "explanation": "", "tests": []}),
        )
        fake_providers.default(provider, "submit_judgment", Reply.structured(ACCEPT))
    summary = await cross_check(client, uri, whole_lines(0, 7))
    assert summary["privacy"]["redacted"] == {"github-token": 1}
    assert all(token not in str(r.body) for r in fake_providers.requests)

    fixes = await code_actions(client, uri, only=[types.CodeActionKind.QuickFix])
    applied = record_applied_edits(client)
    await run_action(client, fixes[0])
    edit = applied[0].edit.document_changes[0].edits[0]
    assert f'token = "{token}"' in edit.new_text and "REDACTED" not in edit.new_text
    assert (
        apply_text_edit(with_token, edit)
        == FIXED.replace(marker, f'{marker}    token = "{token}"\n', 1)
        + with_token[with_token.index("\n\ndef untouched") :]
    )


async def test_a_cursor_gets_a_cross_check_inside_a_definition_and_none_between_them(
    client, fake_providers
):
    """The lightbulb is not offered on every line: a cursor (an empty range) outside any
    definition has nothing a cross-check would check."""
    uri, _ = open_fixture(client)

    async def at(line):
        return await client.text_document_code_action_async(
            types.CodeActionParams(
                text_document=types.TextDocumentIdentifier(uri),
                range=types.Range(types.Position(line, 4), types.Position(line, 4)),
                context=types.CodeActionContext(
                    diagnostics=[], only=[types.CodeActionKind.Refactor]
                ),
            )
        )

    (inside,) = await at(2)
    assert command_of(inside)["command"] == "counterpoint.crossCheck"
    assert not await at(7)  # the blank line between the two functions


async def test_an_accept_fetched_before_an_edit_above_lands_on_the_moved_lines(
    client, fake_providers
):
    """Neovim 0.7 fetched the Accept action at its didOpen version and applied it after lines
    were added above, without a version check (it skips the check for version 0): the edit
    overwrote the wrong lines. The action now carries the command only, and the command maps
    the report onto the text as it is then."""
    script_disagreement(fake_providers)
    uri, text = open_fixture(client)
    await cross_check(client, uri, whole_lines(0, 6))
    (accept, *_) = await code_actions(
        client, uri, client.diagnostics[uri], only=[types.CodeActionKind.QuickFix]
    )
    assert accept.edit is None
    moved = "import os\n\n" + text
    client.text_document_did_change(
        types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=2),
            content_changes=[types.TextDocumentContentChangeWholeDocument(text=moved)],
        )
    )
    await client.wait_for_notification("textDocument/publishDiagnostics")
    applied = record_applied_edits(client)
    assert (await run_action(client, accept))["applied"] is True
    (change,) = applied[0].edit.document_changes
    assert change.text_document.version == 2
    (edit,) = change.edits
    assert edit.range.start.line == 2
    assert apply_text_edit(moved, edit) == (
        "import os\n\n" + FIXED + text[text.index("\n\ndef untouched") :]
    )


async def test_an_accept_whose_lines_changed_is_refused_with_a_reason(client, fake_providers):
    script_disagreement(fake_providers)
    uri, text = open_fixture(client)
    await cross_check(client, uri, whole_lines(0, 6))
    (accept, *_) = await code_actions(
        client, uri, client.diagnostics[uri], only=[types.CodeActionKind.QuickFix]
    )
    client.text_document_did_change(
        types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=2),
            content_changes=[
                types.TextDocumentContentChangeWholeDocument(
                    text=text.replace("def window_sums(xs, k):", "def window_sums(xs, k=1):")
                )
            ],
        )
    )
    await client.wait_for_notification("textDocument/publishDiagnostics")
    applied = record_applied_edits(client)
    with pytest.raises(JsonRpcException, match="no longer current"):
        await run_action(client, accept)
    assert applied == []
