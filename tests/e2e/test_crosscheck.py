"""The counterpoint.crossCheck command over stdio: progress, diagnostics, the returned summary."""

import pytest
from lsprotocol import types
from pygls.exceptions import JsonRpcException

from tests.e2e.conftest import FIXTURES, open_fixture, whole_lines
from tests.e2e.scripts import script_disagreement


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

    verdict, breaks = client.diagnostics[uri]
    assert {verdict.source, breaks.source} == {"counterpoint"}
    # The disagreement sits where GPT inserts its special case; the broken tests cover the target.
    assert verdict.range == types.Range(types.Position(6, 0), types.Position(7, 0))
    assert breaks.range == types.Range(types.Position(0, 0), types.Position(7, 0))
    assert verdict.severity == types.DiagnosticSeverity.Warning
    assert verdict.data["requestId"] == summary["requestId"]
    assert verdict.data["proposals"] == ["claude", "gpt"]
    assert "Claude finds GPT's proposal incorrect" in verdict.message
    assert "GPT: 1/1 Claude's, 1/1 doctest, 2/3 workspace tests" in verdict.message

    # The proposal that breaks a passing test is an error that names the test.
    assert breaks.severity == types.DiagnosticSeverity.Error
    assert breaks.data["proposal"] == "gpt"
    assert "test_window_larger_than_list_has_no_sums" in breaks.message
    assert "assert [1] == []" in breaks.message


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
    diagnostic = next(d for d in client.diagnostics[uri] if d.code == "breaks-tests")
    assert diagnostic.range == types.Range(types.Position(0, 0), types.Position(7, 0))
    # Clients show the source and code beside the message: the message does not repeat them
    # (eglot read "counterpoint [breaks-tests]: Counterpoint [breaks-tests]: …").
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
