"""`exit` ends the server at once, with nothing of its runs left behind. VS Code kills a server
still running 2 s after `exit`; interpreter finalisation with the SDKs loaded took about 2.7 s."""

from __future__ import annotations

import shutil
import time

from tests.e2e.conftest import FIXTURES, server_env
from tests.e2e.scripts import ACCEPT, FIXED
from tests.e2e.test_cancellation import SLOW, sandbox_processes
from tests.fakes.providers import Reply
from tests.hardening.rawlsp import RawServer


def test_exit_ends_the_server_quickly_and_kills_the_test_runs_it_started(fake_providers, tmp_path):
    project = tmp_path / "project"
    shutil.copytree(FIXTURES, project)
    for provider in ("anthropic", "openai"):
        fake_providers.script(
            provider,
            "submit_proposal",
            Reply.structured({"code": FIXED, "explanation": "", "tests": [], "edge_cases": []}),
        )
        # The second cross-check's tests hang, and are still running at exit.
        fake_providers.default(
            provider,
            "submit_proposal",
            Reply.structured({"code": SLOW, "explanation": "", "tests": [], "edge_cases": []}),
        )
        fake_providers.default(provider, "submit_judgment", Reply.structured(ACCEPT), latency=30)
    cache = tmp_path / "cache"
    server = RawServer(server_env(fake_providers.env(), cache), project, {"maxRetries": 0})
    path = project / "windows.py"
    uri, text = path.as_uri(), path.read_text()
    server.notify(
        "textDocument/didOpen",
        {"textDocument": {"uri": uri, "languageId": "python", "version": 1, "text": text}},
    )
    argument = {
        "uri": uri,
        "range": {"start": {"line": 0, "character": 0}, "end": {"line": 7, "character": 0}},
        "instruction": "fix it",
    }
    server.send(
        {
            "jsonrpc": "2.0",
            "id": server.new_id(),
            "method": "workspace/executeCommand",
            "params": {"command": "counterpoint.crossCheck", "arguments": [argument]},
        }
    )
    marker = str(cache / "execution" / "runs")
    deadline = time.monotonic() + 60
    while not sandbox_processes(marker) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert sandbox_processes(marker), "the test run never started"

    assert "result" in server.request("shutdown", None)
    sent = time.monotonic()
    server.notify("exit", None)
    server.process.wait(timeout=10)
    took = time.monotonic() - sent
    log = server.stop()
    print(f"exit took {took:.3f} s")
    assert took < 1.5, took
    assert server.process.returncode == 0, log[-2000:]
    time.sleep(0.3)
    assert sandbox_processes(marker) == []
    runs = cache / "execution" / "runs"
    assert [entry.name for entry in runs.iterdir() if not entry.name.startswith(".")] == []
