"""Oversized and odd input on a real `counterpoint serve`: a 5 MB document is prepared without
stalling other requests, a document over the limit is refused with the limit named, and a
request nested too deeply to decode is answered with its id."""

from __future__ import annotations

import itertools
import time

import pytest

from counterpoint.model.request import MAX_DOCUMENT_CHARS
from tests.hardening.rawlsp import RawServer
from tests.hardening.test_fuzz_editor_input import (  # noqa: F401 (raw_server is a fixture)
    open_fixture,
    raw_server,
    whole_lines,
)

HOVERS_BEFORE_THE_MODELS = 20


@pytest.fixture
def server(raw_server: RawServer) -> RawServer:  # noqa: F811 (the fixture, by name)
    return raw_server


def big_python(characters: int, head: str) -> str:
    filler = (
        f"\n\ndef helper_{i}(values):\n    return sum(values) * {i}\n" for i in itertools.count()
    )
    parts, size = [head], len(head)
    while size < characters:
        parts.append(next(filler))
        size += len(parts[-1])
    return "".join(parts)


def send_request(server: RawServer, method: str, params: dict) -> int:
    request_id = server.new_id()
    server.send({"jsonrpc": "2.0", "id": request_id, "method": method, "params": params})
    return request_id


def test_other_requests_are_answered_while_a_5_mb_document_is_prepared(server, fake_providers):
    small, head = open_fixture(server)
    big = small.replace("windows.py", "big.py")
    server.notify(
        "textDocument/didOpen",
        {
            "textDocument": {
                "uri": big,
                "languageId": "python",
                "version": 1,
                "text": big_python(5 * 1024 * 1024, head),
            }
        },
    )
    check = send_request(
        server,
        "workspace/executeCommand",
        {
            "command": "counterpoint.crossCheck",
            "arguments": [{"uri": big, "range": whole_lines(0, 1), "instruction": "review"}],
        },
    )
    # Parsing 5 MB takes seconds. Parsed on the event loop, no hover is answered until the
    # pipeline has reached the models; in a worker, hovers keep being answered meanwhile.
    answered_at = []
    while len(answered_at) < HOVERS_BEFORE_THE_MODELS and not fake_providers.requests:
        hover = server.request(
            "textDocument/hover",
            {"textDocument": {"uri": small}, "position": {"line": 2, "character": 4}},
        )
        assert "result" in hover, hover
        answered_at.append(time.monotonic())
    reply = server.reply(check, timeout=120)
    assert reply.get("result", {}).get("proposals") == ["claude", "gpt"], str(reply)[:500]
    first_call = min(request.started_at for request in fake_providers.requests)
    before = [at for at in answered_at if at < first_call]
    assert len(before) >= HOVERS_BEFORE_THE_MODELS, (len(before), len(answered_at))


def test_a_document_over_the_limit_is_refused_naming_the_limit(server, fake_providers):
    _, head = open_fixture(server)
    uri, _ = open_fixture(server, big_python(MAX_DOCUMENT_CHARS + 1, head))
    reply = server.command(
        "counterpoint.crossCheck",
        {"uri": uri, "range": whole_lines(0, 1), "instruction": "review"},
    )
    assert reply["error"]["code"] == -32803, reply
    assert f"at most {MAX_DOCUMENT_CHARS:,} characters" in reply["error"]["message"], reply
    assert fake_providers.requests == []
    assert server.status()["crossChecksRunning"] == 0


def test_a_request_nested_too_deeply_gets_an_error_with_its_id(server):
    depth = 100_000
    nested = "[" * depth + "]" * depth
    server.send_bytes(
        (
            '{"jsonrpc": "2.0", "id": 41, "method": "workspace/executeCommand", "params": '
            f'{{"command": "counterpoint.serverStatus", "arguments": {nested}}}}}'
        ).encode()
    )
    reply = server.reply(41, timeout=30)
    assert reply["error"]["code"] == -32700, reply
    assert "nested too deeply" in reply["error"]["message"]
    # An id after the nesting, and a notification (no id to answer): the server goes on.
    server.send_bytes(
        (
            '{"jsonrpc": "2.0", "params": '
            + '{"a": ' * 5000
            + "1"
            + "}" * 5000
            + ', "id": "after", '
            '"method": "textDocument/hover"}'
        ).encode()
    )
    assert server.reply("after", timeout=30)["error"]["code"] == -32700
    server.send_bytes(
        ('{"jsonrpc": "2.0", "method": "textDocument/didOpen", "params": ' + nested + "}").encode()
    )
    assert server.status()["crossChecksRunning"] == 0
