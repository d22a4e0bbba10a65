"""A real `counterpoint serve` subprocess over stdio, driven by pygls's LanguageClient as an
editor would drive it, with both providers pointed at the HTTP fake. Shared by the cache,
responsiveness and memory benchmarks.

Every `textDocument/publishDiagnostics` is recorded with the time it arrived, so a benchmark can
measure from sending a request to the diagnostics that carry that request's id.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import platform
import shutil
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lsprotocol import types
from pygls.lsp.client import LanguageClient

ROOT = Path(__file__).resolve().parents[1]
FIXTURE_TEXT = (ROOT / "tests" / "e2e" / "fixtures" / "windows_project" / "windows.py").read_text()
FIXTURE_TESTS = (
    ROOT / "tests" / "e2e" / "fixtures" / "windows_project" / "tests" / "test_windows.py"
).read_text()


def machine() -> str:
    return f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"


def make_project(root: Path, documents: int) -> list[Path]:
    """A multi-root workspace: `documents` folders (p0/, p1/, …), each a small project holding a
    copy of the e2e fixture under its own name (p0/windows0.py, …) and its own test module, so
    each document gets its own pipeline, its own prompt and only its own tests."""
    paths = []
    for index in range(documents):
        folder = root / f"p{index}"
        (folder / "tests").mkdir(parents=True, exist_ok=True)
        (folder / "pyproject.toml").write_text(f"[project]\nname = 'p{index}'\nversion = '0'\n")
        path = folder / f"windows{index}.py"
        path.write_text(FIXTURE_TEXT)
        (folder / "tests" / f"test_windows{index}.py").write_text(
            FIXTURE_TESTS.replace("from windows import", f"from windows{index} import")
        )
        paths.append(path)
    return paths


def whole_lines(first: int, last: int) -> dict[str, Any]:
    return {"start": {"line": first, "character": 0}, "end": {"line": last + 1, "character": 0}}


@dataclass
class Published:
    at: float
    uri: str
    diagnostics: list[types.Diagnostic]

    def request_ids(self, final_only: bool = True) -> set[str]:
        """The requests whose reports these diagnostics show; with `final_only`, only the
        finished ones (not a partial report of a run still going)."""
        return {
            d.data["requestId"]
            for d in self.diagnostics
            if d.source == "counterpoint"
            and isinstance(d.data, dict)
            and "requestId" in d.data
            and not (final_only and d.data.get("final") is False)
        }


class Session:
    """`async with Session(env, root) as session:` starts and initializes the server; each
    folder under `root` is a workspace folder."""

    def __init__(self, env: dict[str, str], root: Path, *, wait_for_result: bool = True) -> None:
        clean = {k: v for k, v in os.environ.items() if not k.endswith(("_API_KEY", "_BASE_URL"))}
        self.env = {**clean, **env}
        self.root = root
        # The command answers with the summary (True), or once started (False), then notifies.
        self.wait_for_result = wait_for_result
        self.done: dict[str, dict[str, Any]] = {}  # counterpoint/crossCheckDone by requestId
        self.client = LanguageClient("counterpoint-bench", "0")
        self.published: list[Published] = []
        self.messages: list[str] = []
        self._published_event = asyncio.Event()
        self._register()

    def _register(self) -> None:
        client = self.client

        @client.feature(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
        def on_diagnostics(params: types.PublishDiagnosticsParams) -> None:
            self.published.append(Published(time.monotonic(), params.uri, params.diagnostics))
            self._published_event.set()

        @client.feature(types.WINDOW_WORK_DONE_PROGRESS_CREATE)
        def on_progress_create(params: types.WorkDoneProgressCreateParams) -> None:
            return None

        @client.feature(types.PROGRESS)
        def on_progress(params: types.ProgressParams) -> None:
            return None

        @client.feature(types.WORKSPACE_CONFIGURATION)
        def on_configuration(params: types.ConfigurationParams) -> list[Any]:
            return [None for _ in params.items]

        @client.feature(types.WINDOW_SHOW_MESSAGE)
        def on_show_message(params: types.ShowMessageParams) -> None:
            self.messages.append(params.message)

        @client.feature("counterpoint/crossCheckDone")
        def on_done(params: Any) -> None:
            done = params if isinstance(params, dict) else vars(params)
            self.done[str(done.get("requestId"))] = done

        @client.feature(types.WINDOW_LOG_MESSAGE)
        def on_log_message(params: types.LogMessageParams) -> None:
            return None

    @property
    def pid(self) -> int:
        server = self.client._server  # the asyncio subprocess pygls started
        assert server is not None
        return server.pid

    async def __aenter__(self) -> Session:
        await self.client.start_io(
            sys.executable, "-m", "counterpoint", "serve", env=self.env, cwd=str(ROOT)
        )
        await self.client.initialize_async(
            types.InitializeParams(
                capabilities=types.ClientCapabilities(
                    window=types.WindowClientCapabilities(work_done_progress=True),
                    workspace=types.WorkspaceClientCapabilities(configuration=True),
                ),
                root_uri=self.root.as_uri(),
                initialization_options={"waitForResult": True} if self.wait_for_result else None,
                workspace_folders=[
                    types.WorkspaceFolder(folder.as_uri(), folder.name)
                    for folder in sorted(self.root.iterdir())
                    if folder.is_dir()
                ],
            )
        )
        self.client.initialized(types.InitializedParams())
        return self

    async def __aexit__(self, *exc: object) -> None:
        try:
            await asyncio.wait_for(self.client.shutdown_async(None), 10)
            self.client.exit(None)
        except Exception:  # the server may already be gone; stop() cleans up either way
            pass
        await self.client.stop()

    def open(self, path: Path, version: int = 1) -> str:
        uri = path.as_uri()
        self.client.text_document_did_open(
            types.DidOpenTextDocumentParams(
                types.TextDocumentItem(uri, "python", version, path.read_text())
            )
        )
        return uri

    async def cross_check(
        self, uri: str, selection: dict[str, Any], instruction: str = "fix the off-by-one"
    ) -> dict[str, Any]:
        return await self.client.workspace_execute_command_async(
            types.ExecuteCommandParams(
                command="counterpoint.crossCheck",
                arguments=[{"uri": uri, "range": selection, "instruction": instruction}],
            )
        )

    async def diagnostics_for(
        self, request_id: str, after: float, timeout: float = 30, *, final_only: bool = True
    ) -> float:
        """When the first publish carrying `request_id` (its final report, with `final_only`)
        arrived (it normally precedes the command's reply, since the server publishes before
        it returns)."""
        deadline = time.monotonic() + timeout
        while True:
            for published in self.published:
                if published.at >= after and request_id in published.request_ids(final_only):
                    return published.at
            if time.monotonic() > deadline:
                raise TimeoutError(f"no diagnostics for request {request_id}")
            self._published_event.clear()
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(self._published_event.wait(), 0.5)


def memory_kb(pid: int) -> dict[str, int]:
    """VmRSS and VmHWM (peak RSS) of a process, in kB, from /proc/<pid>/status."""
    figures = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            figures[key] = int(value.split()[0])
    return figures


async def settle_rss(pid: int, quiet_s: float = 3.0, limit_s: float = 30.0) -> dict[str, Any]:
    """Wait until the process's RSS stops growing (the background SDK import is done): no change
    over 1 MB for `quiet_s`. Returns the settled figures and how long it took."""
    started = time.monotonic()
    last = memory_kb(pid)["VmRSS"]
    stable_since = started
    while time.monotonic() - started < limit_s:
        await asyncio.sleep(0.25)
        now = memory_kb(pid)["VmRSS"]
        if abs(now - last) > 1024:
            stable_since, last = time.monotonic(), now
        elif time.monotonic() - stable_since >= quiet_s:
            break
    figures = memory_kb(pid)
    return {
        "rss_mb": round(figures["VmRSS"] / 1024, 1),
        "peak_mb": round(figures["VmHWM"] / 1024, 1),
        "settled_after_s": round(time.monotonic() - started, 1),
    }


def percentile(values: list[float], share: float) -> float:
    """Nearest-rank percentile (p99 of 200 samples is the 198th smallest)."""
    ordered = sorted(values)
    rank = max(1, -(-len(ordered) * share // 1))
    return ordered[int(rank) - 1]


def remove(path: Path) -> None:
    shutil.rmtree(path, ignore_errors=True)


def run_with_fake(
    prefix: str,
    script: Callable[[Any], None],
    measure: Callable[[Any, Path], Awaitable[dict[str, Any]]],
) -> dict[str, Any]:
    """A benchmark's run: the HTTP fake scripted, `measure(fake, work)` in a fresh work
    folder (removed afterwards), and the machine beside its figures."""
    from tests.fakes.providers import FakeProviders

    work = Path(tempfile.mkdtemp(prefix=prefix))
    try:
        with FakeProviders() as fake:
            script(fake)
            figures = asyncio.run(measure(fake, work))
        return {"machine": machine(), **figures}
    finally:
        remove(work)
