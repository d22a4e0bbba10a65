"""Hardening figures: cases tried and survived, with timings, from one run.

- Provider faults: 2 providers × 2 stages × 9 faults, each injected on every call of that
  provider and stage by the HTTP fake, with the real SDK clients (timeout 0.5 s, 1 retry). A
  case survives when it ends in a labelled partial report (`not-cross-checked`, the failure's kind
  and a one-line message naming the provider) in bounded time.
- Hostile proposals: 8 attacks run in the sandbox; survived = contained (nothing outside the
  run's directory changed, nothing secret read, no connection made) and, where the sandbox stopped
  something, the report names it.
- Editor input: random JSON-RPC messages (hypothesis) to a real `counterpoint serve`; survived =
  every request answered with a result or an error, the server alive, no unhandled exception in
  its log, and a cross-check still working at the end.
- Concurrency: 20 concurrent cross-checks over LSP; a 300-edit didChange storm.

Run with `python -m bench hardening [--json]`.
"""

from __future__ import annotations

import asyncio
import os
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from tests.fakes.providers import FakeProviders
from tests.hardening.cases import fault_problems, run_fault_matrix
from tests.hardening.hostile import HOSTILE_CASES, Arena, hostile_service, run_hostile_case

FUZZ_MESSAGES = 500


def run() -> dict[str, Any]:
    figures: dict[str, Any] = {}
    with FakeProviders() as fake:
        figures.update(asyncio.run(_faults(fake)))
        figures.update(asyncio.run(_hostile(fake)))
        figures.update(_fuzz(fake))
        figures.update(_concurrency(fake))
    return figures


async def _faults(fake: FakeProviders) -> dict[str, Any]:
    started = time.monotonic()
    results = await run_fault_matrix(fake)
    wall = time.monotonic() - started
    failed = {
        case.name: problems
        for case, (report, elapsed) in results.items()
        if (problems := fault_problems(case, report, elapsed))
    }
    times = [elapsed for _, elapsed in results.values()]
    return {
        "provider_faults_tried": len(results),
        "provider_faults_survived": len(results) - len(failed),
        "provider_faults_failed": failed,
        "provider_fault_case_median_s": round(statistics.median(times), 2),
        "provider_fault_case_max_s": round(max(times), 2),
        "provider_fault_matrix_wall_s": round(wall, 2),
    }


async def _hostile(fake: FakeProviders) -> dict[str, Any]:
    outcomes: dict[str, Any] = {}
    survived = 0
    home = os.environ.get("HOME")
    with tempfile.TemporaryDirectory(prefix="counterpoint-hostile-") as tmp:
        service = hostile_service(Path(tmp) / "store")
        for index, case in enumerate(HOSTILE_CASES):
            arena = Arena.make(Path(tmp) / f"arena{index}", fake.port)
            os.environ["HOME"] = str(arena.home)
            try:
                problems, report, elapsed = await run_hostile_case(fake, arena, service, case)
            finally:
                if home is not None:
                    os.environ["HOME"] = home
            run = report.execution_of("claude") if report else None
            survived += not problems
            outcomes[case.name] = {
                "contained": not problems,
                "problems": problems,
                "status": run.status if run else None,
                "report_says": run.message if run else None,
                "seconds": round(elapsed, 2),
            }
        isolation = service.isolation.describe()
    return {
        "hostile_tried": len(HOSTILE_CASES),
        "hostile_survived": survived,
        "hostile_cases": outcomes,
        "sandbox": {
            key: isolation[key] for key in ("network", "namespaces", "filesystem", "processes")
        },
    }


def _fuzz(fake: FakeProviders) -> dict[str, Any]:
    from hypothesis import HealthCheck, Phase, given, settings
    from tests.hardening.rawlsp import RawServer
    from tests.hardening.test_fuzz_editor_input import (
        UNHANDLED,
        messages,
        open_fixture,
        server_env,
        whole_lines,
    )

    _script_healthy(fake)
    counts = {"sent": 0, "requests": 0, "answered": 0, "errors": 0}
    with tempfile.TemporaryDirectory(prefix="counterpoint-fuzz-") as tmp:
        server = RawServer(
            server_env(fake.env(), Path(tmp) / "cache"),
            Path(tmp),
            {"execute": False, "requestTimeout": 5, "maxRetries": 0},
        )
        started = time.monotonic()

        @settings(
            max_examples=FUZZ_MESSAGES,
            deadline=None,
            database=None,
            phases=[Phase.generate],
            suppress_health_check=list(HealthCheck),
        )
        @given(message=messages)
        def one(message: tuple[str, Any, bool]) -> None:
            method, params, is_request = message
            counts["sent"] += 1
            if not is_request:
                server.notify(method, params)
                return
            counts["requests"] += 1
            request_id = server.new_id()
            server.send({"jsonrpc": "2.0", "id": request_id, "method": method, "params": params})
            try:
                reply = server.reply(request_id, timeout=10)
            except TimeoutError:
                return
            counts["answered"] += 1
            counts["errors"] += "error" in reply

        one()
        for body in (b"\xff\xfe not utf-8", b"{not json", b"[]", b"null"):
            server.send_bytes(body)
            counts["sent"] += 1
        elapsed = time.monotonic() - started
        alive = server.alive
        uri, _text = open_fixture(server)
        reply = server.command(
            "counterpoint.crossCheck", {"uri": uri, "range": whole_lines(0, 6), "instruction": ""}
        )
        working = reply.get("result", {}).get("proposals") == ["claude", "gpt"]
        log = server.stop()
    return {
        "fuzz_messages_sent": counts["sent"],
        "fuzz_requests": counts["requests"],
        "fuzz_requests_answered": counts["answered"],
        "fuzz_requests_answered_with_an_error": counts["errors"],
        "fuzz_server_alive_and_cross_checking_after": alive and working,
        "fuzz_unhandled_exceptions_in_log": len(UNHANDLED.findall(log)),
        "fuzz_seconds": round(elapsed, 2),
    }


def _script_healthy(fake: FakeProviders) -> None:
    from tests.hardening.cases import script_healthy

    fake.reset()
    script_healthy(fake)


def _concurrency(fake: FakeProviders) -> dict[str, Any]:
    from tests.hardening import test_concurrency as c
    from tests.hardening.rawlsp import RawServer
    from tests.hardening.test_fuzz_editor_input import server_env

    fake.reset()
    fake.respond_with(c.responder)
    with tempfile.TemporaryDirectory(prefix="counterpoint-concurrency-") as tmp:
        project = Path(tmp) / "project"
        project.mkdir()
        (project / "pyproject.toml").write_text("[project]\nname = 'p'\nversion = '0'\n")
        server = RawServer(
            server_env(fake.env(), Path(tmp) / "cache"),
            project,
            {"execute": False, "requestTimeout": 10, "maxRetries": 0},
        )
        server.project = project  # type: ignore[attr-defined]
        uris = c.open_documents(server, c.DOCUMENTS)
        idle = server.status()["tasks"]
        started = time.monotonic()
        replies = [server.reply(i, 60) for i in [c.cross_check(server, u) for u in uris]]
        elapsed = time.monotonic() - started
        completed = sum(
            1 for r in replies if r.get("result", {}).get("proposals") == ["claude", "gpt"]
        )
        after = server.status()
        server.stop()
    return {
        "concurrent_cross_checks": c.DOCUMENTS,
        "concurrent_completed": completed,
        "concurrent_wall_s": round(elapsed, 2),
        "concurrent_serial_estimate_s": c.DOCUMENTS * 0.5,
        "tasks_before_and_after": [idle, after["tasks"]],
    }
