"""Malformed and out-of-range editor input: the server answers with an error or an empty result,
keeps serving, and logs no unhandled exception.

The server is the real `counterpoint serve` over stdio, driven by a raw JSON-RPC client that can
send what pytest-lsp's typed client cannot (invalid UTF-8, nonsense params, broken envelopes).
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from lsprotocol import types

from tests.e2e.scripts import ACCEPT, FIXED
from tests.fakes.providers import Reply
from tests.hardening.rawlsp import RawServer

# Methods a client may send; exit/shutdown would end the session on purpose.
METHODS = sorted(set(types.METHOD_TO_TYPES) - {"exit", "shutdown", "initialize"})
# What an unhandled exception looks like in the server's log.
UNHANDLED = re.compile(r"Traceback|^\S+ \S+ (ERROR|CRITICAL) ", re.MULTILINE)

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**63), max_value=2**63)
    | st.floats(allow_nan=False)
    | st.text(max_size=40),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4)
    ),
    max_leaves=12,
)
uris = st.sampled_from(
    ["file:///nowhere.py", "file:///tmp/x.cob", "untitled:1", "", "::"]
) | st.text(max_size=20)
positions = st.fixed_dictionaries(
    {"line": st.integers(-5, 2**31), "character": st.integers(-5, 2**31)}
)
plausible = st.fixed_dictionaries(
    {
        "textDocument": st.fixed_dictionaries({"uri": uris}),
        "position": positions,
        "range": st.fixed_dictionaries({"start": positions, "end": positions}),
        "context": st.fixed_dictionaries({"diagnostics": st.just([])}),
    }
)
messages = st.one_of(
    # A known method with random params, as a request or a notification.
    st.tuples(st.sampled_from(METHODS), json_values, st.booleans()),
    # A known method with well-formed but out-of-range positions and unknown documents.
    st.tuples(st.sampled_from(METHODS), plausible, st.booleans()),
    # The cross-check command with nonsense arguments.
    st.tuples(
        st.just("workspace/executeCommand"),
        st.fixed_dictionaries(
            {
                "command": st.sampled_from(
                    ["counterpoint.crossCheck", "counterpoint.acceptProposal", "nope"]
                ),
                "arguments": st.lists(json_values | plausible, max_size=2),
            }
        ),
        st.just(True),
    ),
    # Unknown methods.
    st.tuples(st.text(min_size=1, max_size=20), json_values, st.booleans()),
)


def server_env(fake_env: dict[str, str], cache: Path) -> dict[str, str]:
    clean = {k: v for k, v in os.environ.items() if not k.endswith(("_API_KEY", "_BASE_URL"))}
    return {**clean, **fake_env, "COUNTERPOINT_CACHE_DIR": str(cache)}


@pytest.fixture
def raw_server(fake_providers, tmp_path):
    fake_providers.default(
        "anthropic",
        "submit_proposal",
        Reply.structured({"code": FIXED, "explanation": "", "tests": []}),
    )
    fake_providers.default(
        "openai",
        "submit_proposal",
        Reply.structured({"code": FIXED, "explanation": "", "tests": []}),
    )
    for provider in ("anthropic", "openai"):
        fake_providers.default(provider, "submit_judgment", Reply.structured(ACCEPT))
    server = RawServer(
        server_env(fake_providers.env(), tmp_path / "cache"),
        tmp_path,
        {"execute": False, "requestTimeout": 5, "maxRetries": 0},
    )
    yield server
    log = server.stop()
    assert not UNHANDLED.search(log), log[-3000:]


FUZZ_EXAMPLES = 200
fuzzed: list[int] = []


@settings(
    max_examples=FUZZ_EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    derandomize=True,
    phases=[Phase.explicit, Phase.generate],  # report a failure as found, do not shrink it
)
@given(message=messages)
def test_random_requests_get_an_answer_and_the_server_keeps_serving(raw_server, message):
    method, params, is_request = message
    fuzzed.append(1)
    if is_request:
        request_id = raw_server.new_id()
        raw_server.send({"jsonrpc": "2.0", "id": request_id, "method": method, "params": params})
        reply = raw_server.reply(request_id, timeout=10)
        assert ("result" in reply) != ("error" in reply), reply
        if "error" in reply:
            assert isinstance(reply["error"].get("message"), str) and reply["error"]["message"]
    else:
        raw_server.notify(method, params)
    assert raw_server.alive


def test_the_fuzz_left_the_server_alive_and_responsive(raw_server):
    # Broken envelopes and bytes that are not JSON, then a real cross-check still works.
    for body in (
        b"\xff\xfe\xfa not utf-8 \xc3\x28",
        b'{"jsonrpc": "2.0", "id": 1, "method": "textDocument/hover", "params": "\xff"}',
        b"{not json",
        b"[]",
        b"null",
        b'{"jsonrpc": "2.0", "id": {"weird": 1}, "method": "textDocument/hover"}',
        json.dumps({"jsonrpc": "1.0", "id": 7.5, "method": "x"}).encode(),
    ):
        raw_server.send_bytes(body)
    assert raw_server.alive
    uri, _ = open_fixture(raw_server)
    reply = raw_server.command(
        "counterpoint.crossCheck",
        {"uri": uri, "range": whole_lines(0, 6), "instruction": "fix the off-by-one"},
    )
    assert reply.get("result", {}).get("proposals") == ["claude", "gpt"], reply


def open_fixture(server: RawServer, text: str | None = None, language: str = "python"):
    path = Path(__file__).parent.parent / "e2e" / "fixtures" / "windows_project" / "windows.py"
    uri = path.as_uri() if language == "python" else path.with_suffix(".cob").as_uri()
    text = path.read_text() if text is None else text
    server.notify(
        "textDocument/didOpen",
        {"textDocument": {"uri": uri, "languageId": language, "version": 1, "text": text}},
    )
    return uri, text


def whole_lines(first: int, last: int) -> dict:
    return {"start": {"line": first, "character": 0}, "end": {"line": last + 1, "character": 0}}


def test_a_10_mb_document_is_served(raw_server):
    path = Path(__file__).parent.parent / "e2e" / "fixtures" / "windows_project" / "windows.py"
    source = path.read_text()
    filler = "".join(f"def f{i}(x):\n    return x + {i}\n\n\n" for i in range(400_000))
    text = source + filler[: 10 * 1024 * 1024]
    uri, _ = open_fixture(raw_server, text)
    reply = raw_server.command(
        "counterpoint.crossCheck",
        {"uri": uri, "range": whole_lines(0, 6), "instruction": "fix it"},
        timeout=120,
    )
    assert reply.get("result", {}).get("proposals") == ["claude", "gpt"], str(reply)[:500]
    hover = raw_server.request(
        "textDocument/hover",
        {"textDocument": {"uri": uri}, "position": {"line": 2, "character": 4}},
    )
    assert "result" in hover


@pytest.mark.parametrize(
    ("language", "selection", "expected"),
    [
        ("cobol", whole_lines(0, 6), "cobol"),
        ("python", whole_lines(10_000, 10_005), "the document has 12 lines"),
        (
            "python",
            {"start": {"line": 0, "character": 0}, "end": {"line": 2**31 - 1, "character": 0}},
            None,
        ),
        (
            "python",
            {"start": {"line": 3, "character": 99_999}, "end": {"line": 3, "character": 99_999}},
            None,
        ),
    ],
    ids=["unknown language", "selection past the end", "end past the end", "columns past the end"],
)
def test_impossible_requests_get_a_plain_error(raw_server, language, selection, expected):
    uri, _ = open_fixture(raw_server, language=language)
    reply = raw_server.command(
        "counterpoint.crossCheck", {"uri": uri, "range": selection, "instruction": ""}
    )
    if expected is None:  # clamped to the document: a normal report
        assert reply.get("result", {}).get("proposals") == ["claude", "gpt"], reply
    else:
        assert expected in reply["error"]["message"], reply
    assert raw_server.status()["crossChecksRunning"] == 0
