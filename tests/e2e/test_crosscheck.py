"""The counterpoint.crossCheck command over stdio: progress, diagnostics, the returned summary."""

import pytest
from lsprotocol import types
from pygls.exceptions import JsonRpcException

from tests.e2e.conftest import FIXTURES, open_fixture, whole_lines
from tests.e2e.scripts import script_disagreement
from tests.fakes.providers import Reply


async def cross_check(client, uri, selection, instruction="fix the off-by-one"):
    return await client.workspace_execute_command_async(
        types.ExecuteCommandParams(
            command="counterpoint.crossCheck",
            arguments=[{"uri": uri, "range": selection, "instruction": instruction}],
        )
    )


async def test_cross_check_publishes_a_diagnostic_over_the_selection(client, fake_providers):
    script_disagreement(fake_providers)
    uri, _ = open_fixture(client)
    summary = await cross_check(client, uri, whole_lines(0, 6))

    assert summary["confidence"]["label"] == "verified-one"
    assert summary["recommended"] == "claude"
    assert summary["proposals"] == ["claude", "gpt"]
    assert len(fake_providers.accepted) == 4 and not fake_providers.rejected

    (verdict,) = client.diagnostics[uri]
    assert verdict.source == "counterpoint"
    # The disagreement sits where GPT inserts its special case.
    assert verdict.range == types.Range(types.Position(6, 0), types.Position(7, 0))
    # At the label's severity: that GPT's proposal breaks a test is a fact about the proposal,
    # said in the sentence, not an error on the user's code.
    assert verdict.severity == types.DiagnosticSeverity.Warning
    assert verdict.data["requestId"] == summary["requestId"]
    assert verdict.data["proposals"] == ["claude", "gpt"]
    assert verdict.message.startswith(
        "Verified: Claude's proposal passes all 5 tests; GPT's breaks "
        "test_window_larger_than_list_has_no_sums, which the original passes. "
        "Claude judges GPT's proposal incorrect (85%): "
    )
    assert "Recommended: Claude's proposal." in verdict.message
    assert "verified-one" not in verdict.message


async def test_progress_names_the_stages(client, fake_providers):
    script_disagreement(fake_providers)
    uri, _ = open_fixture(client)
    await cross_check(client, uri, whole_lines(0, 6))

    (reports,) = client.progress_reports.values()
    kinds = [report.kind for report in reports]
    assert kinds[0] == "begin" and kinds[-1] == "end"
    messages = [report.message for report in reports if report.kind == "report"]
    # One line names every lane at once, not only the latest stage.
    assert messages[0] == "Claude: waiting · GPT: waiting · tests: running on the original"
    assert "Claude: writing · GPT: writing · tests: running on the original" in messages
    assert any(
        "GPT: judging Claude's proposal" in m or "GPT: writing and judging Claude's" in m
        for m in messages
    )
    assert any("Claude: judging GPT's proposal" in m for m in messages)
    # The versions' runs start in whichever order their proposals arrive.
    assert any(
        "tests: running on Claude and GPT" in m or "tests: running on GPT and Claude" in m
        for m in messages
    ), messages
    assert messages[-1] == "Claude: done · GPT: done · tests: done"


async def test_empty_selection_checks_the_enclosing_function(client, fake_providers):
    script_disagreement(fake_providers)
    uri, _ = open_fixture(client)
    cursor = {"start": {"line": 6, "character": 10}, "end": {"line": 6, "character": 10}}
    await cross_check(client, uri, cursor, instruction="")
    diagnostic = next(d for d in client.diagnostics[uri] if d.code == "verified-one")
    # The function around the cursor was checked: the diagnostic sits on its disputed line,
    # and the hover off that line covers the whole function.
    assert diagnostic.range == types.Range(types.Position(6, 0), types.Position(7, 0))
    hover = await client.text_document_hover_async(
        types.HoverParams(types.TextDocumentIdentifier(uri), types.Position(1, 4))
    )
    assert hover is not None
    assert hover.range == types.Range(types.Position(0, 0), types.Position(7, 0))
    # Clients show the source and code beside the message: the message does not repeat them
    # (eglot read "counterpoint [verified-one]: Counterpoint [verified-one]: …").
    for shown in client.diagnostics[uri]:
        assert not shown.message.startswith("Counterpoint ["), shown.message
        assert f"[{shown.code}]" not in shown.message, shown.message


async def test_selection_past_the_end_is_refused_without_model_calls(client, fake_providers):
    uri, _ = open_fixture(client)
    with pytest.raises(JsonRpcException, match="document has"):
        await cross_check(client, uri, whole_lines(50, 60))
    assert fake_providers.requests == []
    assert not client.messages  # the error answers it; the client shows that, once


async def test_malformed_arguments_get_an_invalid_params_error(client, fake_providers):
    with pytest.raises(JsonRpcException, match="takes one argument"):
        await client.workspace_execute_command_async(
            types.ExecuteCommandParams(command="counterpoint.crossCheck", arguments=["nope"])
        )


async def test_a_document_that_is_not_open_is_refused(client, fake_providers):
    uri = (FIXTURES / "stats.py").as_uri()
    with pytest.raises(JsonRpcException, match=r"open .* in the editor"):
        await cross_check(client, uri, whole_lines(0, 1))
    assert fake_providers.requests == []


async def test_a_service_failure_is_a_message_not_a_squiggle_on_the_code(client, fake_providers):
    # Both keys refused: no proposal arrives. That is the service's failure, not the code's.
    fake_providers.script("anthropic", "submit_proposal", Reply.error(401))
    fake_providers.script("openai", "submit_proposal", Reply.error(401))
    uri, _ = open_fixture(client)
    summary = await cross_check(client, uri, whole_lines(0, 6))
    assert summary["confidence"]["label"] == "failed"
    assert summary["message"] == (
        "No proposal arrived: Claude could not write a proposal: the API key was refused; "
        "GPT could not write a proposal: the API key was refused."
    )
    (diagnostic,) = client.diagnostics[uri]
    assert diagnostic.code == "failed"
    assert diagnostic.severity == types.DiagnosticSeverity.Hint  # no squiggle
    (shown,) = client.messages  # said once, as a message
    assert shown.type == types.MessageType.Error
    assert shown.message == f"Counterpoint: {summary['message']}"


async def test_one_provider_down_keeps_the_label_severity_and_warns(client, fake_providers):
    fake_providers.script("openai", "submit_proposal", Reply.error(401))  # answered first
    script_disagreement(fake_providers)
    uri, _ = open_fixture(client)
    summary = await cross_check(client, uri, whole_lines(0, 6))
    assert summary["confidence"]["label"] == "not-cross-checked"
    assert summary["message"].startswith(
        "Not cross-checked: GPT could not write a proposal: the API key was refused"
    )
    assert all(d.severity == types.DiagnosticSeverity.Warning for d in client.diagnostics[uri]), (
        client.diagnostics[uri]
    )
    (shown,) = client.messages
    assert shown.type == types.MessageType.Warning and "the API key was refused" in shown.message


async def test_an_ordinary_run_sends_no_message(client, fake_providers):
    script_disagreement(fake_providers)
    uri, _ = open_fixture(client)
    await cross_check(client, uri, whole_lines(0, 6))
    assert not client.messages
