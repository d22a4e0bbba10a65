"""20 concurrent cross-checks on different documents all complete correctly; didChange storms
leak no tasks. The real `counterpoint serve` over stdio, the real SDKs against the fake."""

from __future__ import annotations

import re
import time

import pytest

from tests.e2e.scripts import ACCEPT
from tests.fakes.providers import Reply
from tests.hardening.rawlsp import RawServer
from tests.hardening.test_fuzz_editor_input import UNHANDLED, server_env

DOCUMENTS = 20


def module(index: int) -> str:
    return f"def f_{index}(x):\n    return x + {index}\n"


def fixed(index: int) -> str:
    return f"def f_{index}(x):\n    return x + {index} + 1\n"


def responder(provider, kind, body):
    """Each document's proposal is its own function, found in the prompt, so a mix-up shows."""
    prompt = str(body.get("messages"))
    if kind == "submit_judgment":
        return Reply.structured(ACCEPT).delayed(0.2)
    match = re.search(r"def f_(\d+)", prompt)
    if match is None:
        return None
    index = int(match.group(1))
    return Reply.structured({"code": fixed(index), "explanation": "", "tests": []}).delayed(0.3)


def start_server(fake_providers, tmp_path, **options) -> RawServer:
    fake_providers.respond_with(responder)
    project = tmp_path / "project"
    project.mkdir()
    (project / "pyproject.toml").write_text("[project]\nname = 'p'\nversion = '0'\n")
    raw = RawServer(
        server_env(fake_providers.env(), tmp_path / "cache"),
        project,
        {"execute": False, "requestTimeout": 10, "maxRetries": 0, **options},
    )
    raw.project = project  # type: ignore[attr-defined]
    return raw


@pytest.fixture
def server(fake_providers, tmp_path):
    # The user's own limit lets all twenty run at once.
    raw = start_server(fake_providers, tmp_path, maxConcurrentChecks=DOCUMENTS)
    yield raw
    log = raw.stop()
    assert not UNHANDLED.search(log), log[-3000:]


def open_documents(server: RawServer, count: int) -> list[str]:
    uris = []
    for index in range(count):
        path = server.project / f"mod_{index}.py"  # type: ignore[attr-defined]
        path.write_text(module(index))
        uris.append(path.as_uri())
        server.notify(
            "textDocument/didOpen",
            {
                "textDocument": {
                    "uri": path.as_uri(),
                    "languageId": "python",
                    "version": 1,
                    "text": module(index),
                }
            },
        )
    return uris


def cross_check(server: RawServer, uri: str) -> int:
    request_id = server.new_id()
    server.send(
        {
            "jsonrpc": "2.0",
            "id": request_id,
            "method": "workspace/executeCommand",
            "params": {
                "command": "counterpoint.crossCheck",
                "arguments": [
                    {
                        "uri": uri,
                        "range": {
                            "start": {"line": 0, "character": 0},
                            "end": {"line": 2, "character": 0},
                        },
                        "instruction": "add one",
                    }
                ],
            },
        }
    )
    return request_id


def test_twenty_concurrent_cross_checks_complete_correctly(server, fake_providers):
    uris = open_documents(server, DOCUMENTS)
    idle = server.status()["tasks"]
    started = time.monotonic()
    ids = [cross_check(server, uri) for uri in uris]
    replies = [server.reply(request_id, timeout=60) for request_id in ids]
    elapsed = time.monotonic() - started
    for reply in replies:
        result = reply.get("result")
        assert result is not None, reply
        assert result["proposals"] == ["claude", "gpt"] and result["failures"] == [], result
        assert result["confidence"]["label"] == "unverified"
    # Each document's report holds its own function's proposal, not a neighbour's.
    for index, uri in enumerate(uris):
        hover = server.request(
            "textDocument/hover",
            {"textDocument": {"uri": uri}, "position": {"line": 1, "character": 4}},
        )
        shown = str(hover["result"]["contents"])
        assert f"return x + {index} + 1" in shown
        assert not any(f"def f_{other}(" in shown for other in range(DOCUMENTS) if other != index)
    # They ran side by side: 20 × (0.3 s + 0.2 s) one after another would take 10 s.
    assert elapsed < 8, elapsed
    assert len(fake_providers.accepted) == DOCUMENTS * 4
    status = server.status()
    assert status["crossChecksRunning"] == 0 and status["trackedRequests"] == 0
    assert status["tasks"] <= idle + 1, status


def test_a_burst_past_the_concurrency_cap_waits_its_turn_and_the_rest_is_refused(
    fake_providers, tmp_path
):
    """Two may run and eight wait (four times the cap); of fourteen sent at once, the last
    four are refused with a message and cost no model call."""
    server = start_server(fake_providers, tmp_path, maxConcurrentChecks=2)
    try:
        uris = open_documents(server, 14)
        ids = [cross_check(server, uri) for uri in uris]
        replies = [server.reply(request_id, timeout=60) for request_id in ids]
    finally:
        log = server.stop()
    assert not UNHANDLED.search(log), log[-3000:]
    done = [r for r in replies if "result" in r]
    refused = [r for r in replies if "error" in r]
    assert len(done) == 10 and len(refused) == 4, replies
    for reply in refused:
        assert reply["error"]["code"] == -32803  # RequestFailed
        assert "maxConcurrentChecks is 2" in reply["error"]["message"]
    assert all(r["result"]["failures"] == [] for r in done)
    assert len(fake_providers.accepted) == 10 * 4
    # Never more than two cross-checks' calls (two voices each) were in flight at once.
    spans = [(r.started_at, r.finished_at or r.started_at) for r in fake_providers.accepted]
    assert max(sum(1 for s, e in spans if s <= start < e) for start, _ in spans) <= 2 * 2


def test_a_did_change_storm_leaks_no_tasks(server):
    uris = open_documents(server, 3)
    idle = server.status()["tasks"]
    running = [cross_check(server, uri) for uri in uris]
    for version in range(2, 302):
        # 300 edits across the three documents, as fast as a client can send them: each one
        # rewrites the checked function, so it cancels the run on it.
        index = version % 3
        text = module(index).replace("return x", f"return {version} + x")
        server.notify(
            "textDocument/didChange",
            {
                "textDocument": {"uri": uris[index], "version": version},
                "contentChanges": [{"text": text}],
            },
        )
    replies = [server.reply(request_id, timeout=60) for request_id in running]
    # Every run was cancelled by edits inside its lines, and each request got that answer.
    for reply in replies:
        assert reply.get("error", {}).get("code") == -32801, reply  # ContentModified
        assert "changed while they were being cross-checked" in reply["error"]["message"]
    # A check started after the storm completes.
    (last,) = [server.reply(cross_check(server, uris[1]), timeout=60)]
    assert "result" in last, last
    deadline = time.monotonic() + 10
    while True:
        status = server.status()
        if status["tasks"] <= idle + 1 or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    assert status["crossChecksRunning"] == 0 and status["trackedRequests"] == 0, status
    assert status["tasks"] <= idle + 1, status
    assert status["documents"] == 3


def test_a_cross_check_refused_because_the_queue_is_full_does_not_cancel_the_one_it_overlaps(
    fake_providers, tmp_path
):
    """One runs and four wait (maxConcurrentChecks 1). A fifth request on the running one's
    lines is refused, and a refused request must have no effect: before, it first cancelled
    the running check (whose calls were already paid for), so both were lost."""
    server = start_server(fake_providers, tmp_path, maxConcurrentChecks=1)
    try:
        uris = open_documents(server, 5)
        first = cross_check(server, uris[0])
        while not fake_providers.requests:  # the first is running
            time.sleep(0.01)
        queued = [cross_check(server, uri) for uri in uris[1:]]
        time.sleep(0.2)  # the four are in the queue
        again = server.reply(cross_check(server, uris[0]), timeout=60)
        replies = [server.reply(request_id, timeout=60) for request_id in [first, *queued]]
    finally:
        log = server.stop()
    assert not UNHANDLED.search(log), log[-3000:]
    assert "maxConcurrentChecks is 1" in again["error"]["message"]
    assert all("result" in reply for reply in replies), replies
