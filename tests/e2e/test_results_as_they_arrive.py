"""A cross-check at real model latencies: the command answers once the run has started, each
piece is published the moment it exists, and the end comes as `counterpoint/crossCheckDone`.
So a client with a 10-second request timeout (eglot's default) still gets the full result."""

import asyncio
import time

from lsprotocol import types

from tests.e2e.conftest import open_fixture, started_client, whole_lines
from tests.e2e.scripts import ACCEPT, FIXED, REJECT, VARIANT
from tests.fakes.providers import Reply

DONE = "counterpoint/crossCheckDone"


def as_dict(params) -> dict:
    """pygls hands an unknown notification's params over as an object of attributes."""
    if isinstance(params, dict):
        return params
    return {key: getattr(params, key) for key in params._fields}


def script_slow(fake, claude_s: float, gpt_s: float, claude_judges_s: float, gpt_judges_s: float):
    """Claude fixes the bug, GPT adds a wrong special case; each call takes its seconds."""
    proposal = {"explanation": "", "tests": [], "edge_cases": []}
    fake.script(
        "anthropic",
        "submit_proposal",
        Reply.structured({**proposal, "code": FIXED}),
        latency=claude_s,
    )
    fake.script(
        "openai", "submit_proposal", Reply.structured({**proposal, "code": VARIANT}), latency=gpt_s
    )
    fake.script("openai", "submit_judgment", Reply.structured(ACCEPT), latency=gpt_judges_s)
    fake.script("anthropic", "submit_judgment", Reply.structured(REJECT), latency=claude_judges_s)


def gpt_proposed(fake) -> bool:
    """Whether the fake has finished answering GPT's proposal request."""
    return any(
        r.provider == "openai" and r.kind == "submit_proposal" and r.finished_at is not None
        for r in fake.requests
    )


def ours(client, uri) -> list[types.Diagnostic]:
    return [d for d in client.diagnostics.get(uri, ()) if d.source == "counterpoint"]


async def until(predicate, timeout: float, step: float = 0.02):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = predicate()
        if found:
            return found
        await asyncio.sleep(step)
    raise AssertionError(f"not within {timeout} s")


def start(client, uri):
    return client.workspace_execute_command_async(
        types.ExecuteCommandParams(
            command="counterpoint.crossCheck",
            arguments=[{"uri": uri, "range": whole_lines(0, 6), "instruction": "fix it"}],
        )
    )


async def test_a_15_second_cross_check_answers_at_once_and_delivers_everything_later(
    fake_providers, tmp_path
):
    # About 15 s in all: Claude proposes in 5 s and GPT judges it in 6 s; GPT proposes in 7 s
    # and Claude judges it in 7 s; then the tests.
    script_slow(fake_providers, claude_s=5, gpt_s=7, claude_judges_s=7, gpt_judges_s=6)
    async with started_client(fake_providers, tmp_path, wait_for_result=False) as client:
        uri, _ = open_fixture(client)
        done = asyncio.ensure_future(client.wait_for_notification(DONE))
        began = time.monotonic()
        answer = await asyncio.wait_for(start(client, uri), 1.0)
        assert time.monotonic() - began < 1.0
        assert answer["started"] is True and answer["uri"] == uri
        request_id = answer["requestId"]

        # Claude's proposal is published the moment it arrives, while GPT is still writing.
        def claude_arrived():
            return next(
                (d for d in ours(client, uri) if "Claude's proposal arrived" in d.message), None
            )

        partial = await until(claude_arrived, 20)
        assert time.monotonic() - began > 4.5
        assert "not yet judged or tested" in partial.message
        assert "Waiting for GPT's proposal." in partial.message
        assert partial.code == "partial" and partial.data["requestId"] == request_id
        assert partial.data["final"] is False
        assert partial.severity == types.DiagnosticSeverity.Information
        assert not gpt_proposed(fake_providers)
        # No "Cross-checking…" marker beside it: the partial diagnostic says what runs.
        assert not [d for d in ours(client, uri) if d.code == "in-progress"]

        # Its hover shows Claude's version of the lines, not yet judged or tested.
        hover = await client.text_document_hover_async(
            types.HoverParams(
                text_document=types.TextDocumentIdentifier(uri=uri),
                position=types.Position(line=6, character=4),
            )
        )
        assert hover is not None
        assert "Still cross-checking" in hover.contents.value
        assert "range(len(xs) - k + 1)" in hover.contents.value
        assert "_not yet judged or tested_" in hover.contents.value

        # Its accept action is offered, and says what it has not been through yet.
        actions = await client.text_document_code_action_async(
            types.CodeActionParams(
                text_document=types.TextDocumentIdentifier(uri=uri),
                range=partial.range,
                context=types.CodeActionContext(diagnostics=[partial]),
            )
        )
        titles = [a.title for a in actions or [] if isinstance(a, types.CodeAction)]
        assert "Accept Claude's proposal: not yet judged or tested" in titles

        # The end: the full result as a notification, and the final diagnostics in place.
        finished = as_dict(await asyncio.wait_for(done, 40))
        took = time.monotonic() - began
        assert took > 10, took  # longer than eglot's request timeout, and still delivered
        assert finished["requestId"] == request_id and finished["uri"] == uri
        confidence = as_dict(finished["confidence"])
        assert confidence["label"] == "verified-one"
        assert finished["recommended"] == "claude"
        assert finished["proposals"] == ["claude", "gpt"]
        codes = {d.code for d in ours(client, uri)}
        assert codes == {"verified-one"}, codes
        assert all(d.data["final"] for d in ours(client, uri))
        # The quick fixes follow: the final report's, not the last partial one's.
        actions = await client.text_document_code_action_async(
            types.CodeActionParams(
                text_document=types.TextDocumentIdentifier(uri=uri),
                range=types.Range(types.Position(0, 0), types.Position(7, 0)),
                context=types.CodeActionContext(
                    diagnostics=[], only=[types.CodeActionKind.QuickFix]
                ),
            )
        )
        titles = [a.title for a in actions or [] if isinstance(a, types.CodeAction)]
        assert titles and titles[0].startswith("Accept Claude's proposal (recommended)"), titles
        assert not [title for title in titles if "not yet" in title], titles


async def test_the_first_proposal_is_published_before_the_second_family_answers(
    fake_providers, tmp_path
):
    script_slow(fake_providers, claude_s=0.2, gpt_s=12, claude_judges_s=0.2, gpt_judges_s=0.2)
    async with started_client(fake_providers, tmp_path, wait_for_result=False) as client:
        uri, _ = open_fixture(client)
        done = asyncio.ensure_future(client.wait_for_notification(DONE))
        await start(client, uri)
        # Judged by GPT already, and tested once GPT's proposal is in.
        judged = await until(
            lambda: next(
                (d for d in ours(client, uri) if "GPT finds it correct" in d.message), None
            ),
            10,  # the server's first run imports the SDKs (seconds) before any call
        )
        assert "not yet tested" in judged.message
        assert not gpt_proposed(fake_providers)
        await asyncio.wait_for(done, 40)


async def test_a_run_that_answered_is_cancelled_by_counterpoint_cancel(fake_providers, tmp_path):
    script_slow(fake_providers, claude_s=0.2, gpt_s=30, claude_judges_s=30, gpt_judges_s=30)
    async with started_client(fake_providers, tmp_path, wait_for_result=False) as client:
        uri, _ = open_fixture(client)
        done = asyncio.ensure_future(client.wait_for_notification(DONE))
        answer = await start(client, uri)
        await until(lambda: ours(client, uri), 5)
        cancelled = await client.workspace_execute_command_async(
            types.ExecuteCommandParams(
                command="counterpoint.cancel", arguments=[{"requestId": answer["requestId"]}]
            )
        )
        assert cancelled == {"requestId": answer["requestId"], "cancelled": True}
        finished = as_dict(await asyncio.wait_for(done, 5))
        assert finished["cancelled"] is True and finished["requestId"] == answer["requestId"]
        await until(lambda: list(client.diagnostics[uri]) == [], 2)  # the partial is gone
        again = await client.workspace_execute_command_async(
            types.ExecuteCommandParams(
                command="counterpoint.cancel", arguments=[{"requestId": answer["requestId"]}]
            )
        )
        assert again["cancelled"] is False


async def test_a_newer_check_of_the_same_lines_ends_the_older_with_its_reason(
    fake_providers, tmp_path
):
    script_slow(fake_providers, claude_s=30, gpt_s=30, claude_judges_s=1, gpt_judges_s=1)
    async with started_client(fake_providers, tmp_path, wait_for_result=False) as client:
        uri, _ = open_fixture(client)
        done = asyncio.ensure_future(client.wait_for_notification(DONE))
        first = await start(client, uri)
        await asyncio.sleep(0.3)
        second = await start(client, uri)
        finished = as_dict(await asyncio.wait_for(done, 5))
        assert finished["requestId"] == first["requestId"]
        assert finished["cancelled"] is True
        assert finished["reason"] == "replaced by a newer cross-check of these lines"
        await client.workspace_execute_command_async(
            types.ExecuteCommandParams(
                command="counterpoint.cancel", arguments=[{"requestId": second["requestId"]}]
            )
        )


async def test_cancel_request_with_the_commands_id_stops_a_run_that_already_answered(
    fake_providers, tmp_path
):
    script_slow(fake_providers, claude_s=0.2, gpt_s=30, claude_judges_s=30, gpt_judges_s=30)
    async with started_client(fake_providers, tmp_path, wait_for_result=False) as client:
        uri, _ = open_fixture(client)
        done = asyncio.ensure_future(client.wait_for_notification(DONE))
        params = types.ExecuteCommandParams(
            command="counterpoint.crossCheck",
            arguments=[{"uri": uri, "range": whole_lines(0, 6), "instruction": "fix it"}],
        )
        answer = await client.protocol.send_request_async(
            "workspace/executeCommand", params, msg_id="answered-already"
        )
        assert answer["started"] is True
        await until(lambda: ours(client, uri), 10)
        client.cancel_request(types.CancelParams(id="answered-already"))
        finished = as_dict(await asyncio.wait_for(done, 5))
        assert finished["cancelled"] is True and finished["requestId"] == answer["requestId"]
        await until(lambda: list(client.diagnostics[uri]) == [], 2)
