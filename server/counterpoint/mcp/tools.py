"""The tools' work: a file and its lines in, the engine's report out as structured content.

Bad input is a tool error (isError) carrying the one line `counterpoint check` prints for it; a
cancelled call stops its model calls and test processes (the engine's run cleans up on
cancellation, as under the LSP server's $/cancelRequest).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import warnings
from collections.abc import AsyncIterator, Callable, Sequence
from pathlib import Path

from mcp.server.mcpserver import Context
from mcp.types import CallToolResult, TextContent

from counterpoint.config import ConfigError, Settings
from counterpoint.core.render import render_text
from counterpoint.core.wording import progress_done, progress_started
from counterpoint.engine.documents import file_target
from counterpoint.engine.engine import Engine
from counterpoint.engine.run import document_path
from counterpoint.engine.slots import SlotsFull
from counterpoint.languages import UnsupportedLanguageError
from counterpoint.mcp.results import from_report
from counterpoint.model.report import Report
from counterpoint.model.request import RequestError

log = logging.getLogger(__name__)


class Tools:
    """One engine for the server's life: its voices, cache, sandbox and session budget are
    shared by every call, as the language server shares its own."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.engine = Engine(settings, on_warning=lambda message: log.warning("%s", message))

    async def cross_check(
        self,
        ctx: Context,
        *,
        file: str,
        lines: str | None,
        symbol: str | None,
        instruction: str,
        expectations: Sequence[str],
        execute: bool,
    ) -> CallToolResult:
        engine, settings = self.engine, self.settings
        try:
            roots = await client_roots(ctx)
            path, root = located(file, roots)
            target = file_target(path, lines=lines, symbol=symbol, root=root, lines_option="lines")
            engine.check_keys()  # a missing key is said before anything runs
            exhausted = engine.session_exhausted()
            if exhausted is not None:
                raise RequestError(exhausted)
            engine.check_slots.refuse_if_full(settings.max_concurrent_checks)
        except (RequestError, UnsupportedLanguageError, ConfigError, SlotsFull) as error:
            return tool_error(str(error))

        request = target.request(instruction, tuple(expectations))
        async with progress_reporter(ctx) as report_stage:
            report_stage(progress_started(target.path.name, request.selection))
            limit = settings.max_concurrent_checks
            await engine.check_slots.acquire(limit, report_stage)
            try:
                report = await engine.cross_check(
                    request,
                    progress=report_stage,
                    workspace_root=target.root,
                    execute=execute,
                )
            except (RequestError, UnsupportedLanguageError, ConfigError) as error:
                return tool_error(str(error))
            finally:
                engine.check_slots.release(limit)
            report_stage(progress_done(report))
        return result_of(report, str(target.path), engine.session_budget.spent)


def result_of(report: Report, path: str, session_usd: float) -> CallToolResult:
    structured = from_report(report, path, session_usd)
    return CallToolResult(
        content=[TextContent(type="text", text=render_text(report, path))],
        structured_content=structured.model_dump(mode="json"),
    )


def tool_error(message: str) -> CallToolResult:
    """The line `counterpoint check` prints on stderr for the same input."""
    return CallToolResult(
        content=[TextContent(type="text", text=f"counterpoint: error: {message}")], is_error=True
    )


async def client_roots(ctx: Context) -> list[Path]:
    """The client's workspace roots (roots/list) when it offers them: local folders only."""
    capabilities = ctx.client_capabilities
    if capabilities is None or capabilities.roots is None:
        return []
    try:
        with warnings.catch_warnings():  # roots are deprecated in the newest protocol only
            warnings.simplefilter("ignore")
            listed = await ctx.session.list_roots()
    except Exception as error:  # a client that fails roots/list still gets its answer
        log.info("roots/list failed: %s", error)
        return []
    return [
        Path(document_path(str(root.uri)))
        for root in listed.roots
        if str(root.uri).startswith("file:")
    ]


def located(file: str, roots: Sequence[Path]) -> tuple[Path, Path | None]:
    """The file, relative to the first root (else the server's folder), and the workspace root
    holding it. With roots, a file outside every root is refused: an agent steered by text it
    read must not send the rest of the disk to the models. The check is on the resolved path,
    so a link inside a root cannot lead out of it."""
    path = Path(file).expanduser()
    if not path.is_absolute():
        path = (roots[0] if roots else Path.cwd()) / path
    if not roots:
        return path, None
    resolved = path.resolve()
    holding = [
        root for root in roots if resolved == root.resolve() or root.resolve() in resolved.parents
    ]
    if not holding:
        shown = ", ".join(str(root) for root in roots)
        raise RequestError(f"{path} is outside the workspace roots the client gave ({shown})")
    return path, max(holding, key=lambda root: len(root.resolve().parts))


@contextlib.asynccontextmanager
async def progress_reporter(ctx: Context) -> AsyncIterator[Callable[[str], None]]:
    """A stage line from the engine (every voice's lane and the tests) becomes a progress
    notification, in order; none is sent when the client gave no progress token."""
    lines: asyncio.Queue[str | None] = asyncio.Queue()

    async def send() -> None:
        step = 0
        while (line := await lines.get()) is not None:
            step += 1
            try:
                await ctx.report_progress(step, message=line)
            except Exception as error:  # a client gone away must not sink the run
                log.debug("progress not sent: %s", error)

    sender = asyncio.ensure_future(send())
    try:
        yield lines.put_nowait
    except BaseException:  # cancelled or failed: nothing more is said
        sender.cancel()
        raise
    lines.put_nowait(None)
    try:
        await asyncio.wait_for(sender, 5)  # every stage is sent before the result
    except asyncio.TimeoutError:
        log.debug("progress notifications dropped: the client is not reading")
