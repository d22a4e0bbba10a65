"""Startup and exit: hover latency while the SDKs warm up, and the time `exit` takes.

A real `counterpoint serve` runs over stdio against the HTTP fake. Right after `initialized` the
client sends a cross-check (which needs the SDKs the warm-up thread is importing) and then a
hover every 20 ms for 3 s; once the server has settled, 50 more hovers give the idle latency.
Then `shutdown` and `exit`, timed from sending `exit` to the process's end (VS Code kills a
server still running 2 s after `exit`).

Goals (issue 16): handlers stay responsive during the warm-up; the server exits within 0.5 s.
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

from tests.e2e.scripts import ACCEPT
from tests.fakes.providers import FakeProviders, Reply
from tests.hardening.rawlsp import RawServer
from tests.hardening.test_concurrency import cross_check

TEXT = "def f(x):\n    return x\n"
WARM_UP_WINDOW_S = 3.0
GAP_S = 0.02
GOAL_EXIT_S = 0.5


def _env(fake: FakeProviders, cache: Path) -> dict[str, str]:
    clean = {k: v for k, v in os.environ.items() if not k.endswith(("_API_KEY", "_BASE_URL"))}
    return {**clean, **fake.env(), "COUNTERPOINT_CACHE_DIR": str(cache)}


def _hover(server: RawServer, uri: str) -> float:
    started = time.monotonic()
    server.request(
        "textDocument/hover",
        {"textDocument": {"uri": uri}, "position": {"line": 0, "character": 4}},
    )
    return time.monotonic() - started


def measure(root: Path, fake: FakeProviders) -> dict[str, float]:
    document = root / "m.py"
    document.write_text(TEXT)
    (root / "pyproject.toml").write_text("[project]\nname = 'p'\nversion = '0'\n")
    server = RawServer(_env(fake, root / "cache"), root, {"execute": False})
    initialized = time.monotonic()
    uri = document.as_uri()
    server.notify(
        "textDocument/didOpen",
        {"textDocument": {"uri": uri, "languageId": "python", "version": 1, "text": TEXT}},
    )
    check = cross_check(server, uri)
    sent = time.monotonic()
    first_notification = None
    during = []
    while time.monotonic() - initialized < WARM_UP_WINDOW_S:
        during.append(_hover(server, uri))
        if first_notification is None and server.notifications():
            first_notification = time.monotonic() - sent
        time.sleep(GAP_S)
    server.reply(check, timeout=60)
    idle = []
    for _ in range(50):
        idle.append(_hover(server, uri))
        time.sleep(GAP_S)
    server.request("shutdown", None)
    exit_sent = time.monotonic()
    server.notify("exit", None)
    server.process.wait(timeout=30)
    exit_s = time.monotonic() - exit_sent
    server.stop()
    idle_ms = statistics.median(idle) * 1000
    return {
        "hover_during_warm_up_max_ms": round(max(during) * 1000, 1),
        "hover_during_warm_up_median_ms": round(statistics.median(during) * 1000, 2),
        "hover_idle_median_ms": round(idle_ms, 2),
        "hover_warm_up_max_over_idle_median": round(max(during) * 1000 / idle_ms, 1),
        "first_notification_after_cross_check_s": round(first_notification, 3)
        if first_notification is not None
        else -1.0,
        "exit_s": round(exit_s, 3),
        "exit_goal_s": GOAL_EXIT_S,
    }


def run() -> dict[str, float]:
    with FakeProviders() as fake, tempfile.TemporaryDirectory() as folder:
        for provider in ("anthropic", "openai"):
            code = {"code": "def f(x):\n    return x + 1\n", "explanation": "", "tests": []}
            fake.default(provider, "submit_proposal", Reply.structured(code), latency=0.2)
            fake.default(provider, "submit_judgment", Reply.structured(ACCEPT), latency=0.1)
        return measure(Path(folder), fake)


if __name__ == "__main__":
    print(run(), file=sys.stderr)
