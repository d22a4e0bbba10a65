"""The language server: registration only. Each feature lives in its own module."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from lsprotocol import types
from pygls.exceptions import JsonRpcInvalidParams
from pygls.lsp.server import LanguageServer

from counterpoint import __version__
from counterpoint.config import Settings
from counterpoint.lsp.actions import (
    ACCEPT_COMMAND,
    CROSS_CHECK_COMMAND,
    CROSS_CHECK_KIND,
    STALE,
    accept_edit,
    code_actions,
    is_stale,
)
from counterpoint.lsp.crosscheck import RequestFailed, run_cross_check
from counterpoint.lsp.hover import hover
from counterpoint.lsp.state import ReportStore
from counterpoint.pipeline.request import Range

log = logging.getLogger(__name__)


class CounterpointServer(LanguageServer):
    def __init__(self) -> None:
        super().__init__("counterpoint", __version__)
        self.store = ReportStore()
        self.init_options: dict[str, Any] = {}
        self.editor_settings: dict[str, Any] = {}
        self.settings = Settings.from_env()
        self.running: dict[asyncio.Task[Any], tuple[str, Range]] = {}

    def show_message(self, message: str, kind: types.MessageType) -> None:
        self.window_show_message(types.ShowMessageParams(type=kind, message=message))

    def apply_settings(self) -> None:
        settings = Settings.from_env().merged(self.init_options, "initializationOptions")
        settings = settings.merged(self.editor_settings, "counterpoint settings")
        for problem in settings.problems:
            self.show_message(
                f"Counterpoint: {problem}; using the default", types.MessageType.Warning
            )
        self.settings = settings

    async def refresh_configuration(self) -> None:
        workspace = self.client_capabilities.workspace
        if not (workspace and workspace.configuration):
            return
        try:
            items = await asyncio.shield(
                self.workspace_configuration_async(
                    types.ConfigurationParams(
                        items=[types.ConfigurationItem(section="counterpoint")]
                    )
                )
            )
        except Exception as error:
            log.warning("workspace/configuration failed: %s", error)
            return
        section = items[0] if items else None
        self.editor_settings = section if isinstance(section, dict) else {}
        self.apply_settings()

    def supersede(self, uri: str, selection: Range) -> None:
        """A new request on an overlapping range cancels the run it replaces."""
        current = asyncio.current_task()
        for task, (other_uri, other) in list(self.running.items()):
            if task is not current and other_uri == uri and other.overlaps(selection):
                task.cancel()
        if current is not None:
            self.running[current] = (uri, selection)
            current.add_done_callback(lambda task: self.running.pop(task, None))


SERVER = CounterpointServer()


@SERVER.feature(types.INITIALIZE)
def on_initialize(server: CounterpointServer, params: types.InitializeParams) -> None:
    options = params.initialization_options
    server.init_options = options if isinstance(options, dict) else {}
    server.apply_settings()


@SERVER.feature(types.INITIALIZED)
async def on_initialized(server: CounterpointServer, params: types.InitializedParams) -> None:
    await server.refresh_configuration()


@SERVER.feature(types.WORKSPACE_DID_CHANGE_CONFIGURATION)
async def on_configuration_change(
    server: CounterpointServer, params: types.DidChangeConfigurationParams
) -> None:
    settings = params.settings
    if isinstance(settings, dict) and isinstance(settings.get("counterpoint"), dict):
        server.editor_settings = settings["counterpoint"]
        server.apply_settings()
    else:
        await server.refresh_configuration()


@SERVER.feature(types.TEXT_DOCUMENT_HOVER)
def on_hover(server: CounterpointServer, params: types.HoverParams) -> types.Hover | None:
    return hover(server, server.store, params)


@SERVER.feature(
    types.TEXT_DOCUMENT_CODE_ACTION,
    types.CodeActionOptions(code_action_kinds=[types.CodeActionKind.QuickFix, CROSS_CHECK_KIND]),
)
def on_code_action(
    server: CounterpointServer, params: types.CodeActionParams
) -> list[types.CodeAction]:
    return code_actions(server, server.store, params)


@SERVER.command(CROSS_CHECK_COMMAND)
async def on_cross_check(server: CounterpointServer, *arguments: Any) -> dict[str, Any]:
    return await run_cross_check(server, arguments)


@SERVER.command(ACCEPT_COMMAND)
async def on_accept(server: CounterpointServer, *arguments: Any) -> dict[str, Any]:
    """Apply a proposal through workspace/applyEdit: {"requestId": …, "proposal": "claude"}."""
    argument = arguments[0] if len(arguments) == 1 and isinstance(arguments[0], dict) else {}
    stored = server.store.get(str(argument.get("requestId")))
    proposal_id = argument.get("proposal")
    if (
        stored is None
        or not isinstance(proposal_id, str)
        or not stored.report.proposal(proposal_id)
    ):
        raise JsonRpcInvalidParams(
            f"{ACCEPT_COMMAND} takes {{requestId, proposal}} naming a finished cross-check"
        )
    if is_stale(server, stored):
        server.show_message(f"Counterpoint: {STALE}", types.MessageType.Warning)
        raise RequestFailed(STALE)
    result = await asyncio.shield(
        server.workspace_apply_edit_async(
            types.ApplyWorkspaceEditParams(
                edit=accept_edit(server, stored, proposal_id),
                label=f"Accept {proposal_id}'s proposal",
            )
        )
    )
    return {"applied": result.applied, "failureReason": result.failure_reason}
