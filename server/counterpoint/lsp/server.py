"""The language server: registration only. Each feature lives in its own module."""

from __future__ import annotations

import asyncio
import logging
import threading
from pathlib import Path
from typing import Any

from lsprotocol import types
from pygls.exceptions import JsonRpcInvalidParams
from pygls.lsp.server import LanguageServer

from counterpoint import __version__
from counterpoint.config import Settings
from counterpoint.engine.engine import Engine, warm_up
from counterpoint.engine.run import document_path
from counterpoint.lsp import nesting
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
from counterpoint.lsp.inline import inline_completions
from counterpoint.lsp.protocol import CounterpointProtocol
from counterpoint.lsp.staleness import follow_edit
from counterpoint.lsp.state import ReportStore
from counterpoint.model.request import Range

log = logging.getLogger(__name__)


class CounterpointServer(LanguageServer):
    def __init__(self) -> None:
        super().__init__("counterpoint", __version__, protocol_cls=CounterpointProtocol)
        nesting.install()
        assert isinstance(self.protocol, CounterpointProtocol)
        self.protocol.on_cancel = self._cancel_request
        self.store = ReportStore()
        self.init_options: dict[str, Any] = {}
        self.editor_settings: dict[str, Any] = {}
        self.settings = Settings.from_env()
        self.tasks_by_request: dict[Any, asyncio.Task[Any]] = {}
        self.in_progress: dict[asyncio.Task[Any], tuple[str, Range]] = {}
        # Why we cancelled a running cross-check ourselves, so its request gets an answer.
        self.cancel_reasons: dict[asyncio.Task[Any], str] = {}
        self.texts: dict[str, str] = {}
        self.warned_untrusted: set[str] = set()  # workspace settings we said we ignore
        self.engine = Engine(self.settings, on_warning=self._warn)
        self.pending_configuration: asyncio.Future[None] | None = None
        self.settings_generation = (
            0  # bumped by each change, so a slow fetch cannot undo a newer one
        )

    @property
    def session_cost_usd(self) -> float:
        return self.engine.session_budget.spent

    def _warn(self, message: str) -> None:
        self.show_message(f"Counterpoint: {message}", types.MessageType.Warning)

    async def current_settings(self) -> Settings:
        """Settings with any configuration refresh still in flight applied first."""
        if self.pending_configuration is not None:
            await asyncio.shield(self.pending_configuration)
        return self.settings

    def show_message(self, message: str, kind: types.MessageType) -> None:
        self.window_show_message(types.ShowMessageParams(type=kind, message=message))

    def apply_settings(self) -> None:
        """The user's own settings (environment, initializationOptions), tightened by the
        editor's configuration, which may be a cloned repository's .vscode/settings.json."""
        user = Settings.from_env().merged(self.init_options, "initializationOptions")
        settings, ignored = user.tightened_by(self.editor_settings, "counterpoint settings")
        for problem in settings.problems:
            self.show_message(f"Counterpoint: {problem}", types.MessageType.Warning)
        for key, why in sorted(ignored.items()):
            log.warning("ignored counterpoint.%s from workspace/configuration: %s", key, why)
            if key not in self.warned_untrusted:
                self.warned_untrusted.add(key)
                self.show_message(
                    f"Counterpoint: ignored counterpoint.{key} from the workspace's "
                    f"configuration: {why}.",
                    types.MessageType.Warning,
                )
        self.settings = settings
        self.engine.configure(settings)

    def workspace_root_of(self, uri: str) -> Path | None:
        """The workspace folder holding the document, deepest first."""
        path = Path(document_path(uri))
        folders = [Path(document_path(f.uri)) for f in self.workspace.folders.values()]
        if self.workspace.root_path:
            folders.append(Path(self.workspace.root_path))
        holding = [f for f in folders if f == path.parent or f in path.parents]
        return max(holding, key=lambda f: len(f.parts)) if holding else None

    def push_settings(self, section: dict[str, Any]) -> None:
        self.settings_generation += 1
        self.editor_settings = section
        self.apply_settings()

    async def refresh_configuration(self) -> None:
        self.settings_generation += 1
        generation = self.settings_generation
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
        if generation != self.settings_generation:
            return
        section = items[0] if items else None
        self.editor_settings = section if isinstance(section, dict) else {}
        self.apply_settings()

    def track_request(self, selection: Range, uri: str) -> Range:
        """Remember the running command under its JSON-RPC id, so $/cancelRequest reaches it,
        and mark its lines as being cross-checked."""
        last = selection.end.line - (
            1 if selection.end.character == 0 and selection.end.line > selection.start.line else 0
        )
        span = Range.of_lines(selection.start.line, last)
        task = asyncio.current_task()
        if task is None:
            return span
        request_id = self.protocol._ctx_msg_id.get(None)  # set by pygls for each request
        if request_id is not None:
            self.tasks_by_request[request_id] = task
        self.in_progress[task] = (uri, span)
        return span

    def _cancel_request(self, request_id: Any) -> None:
        """$/cancelRequest: pygls cancels the request's future, not the command's coroutine."""
        task = self.tasks_by_request.pop(request_id, None)
        if task is not None:
            task.cancel()

    def untrack_request(self) -> None:
        task = asyncio.current_task()
        self.in_progress.pop(task, None)  # type: ignore[arg-type]
        for request_id, tracked in list(self.tasks_by_request.items()):
            if tracked is task:
                del self.tasks_by_request[request_id]

    def cancel_overlapping(self, uri: str, span: Range) -> None:
        """Cancel runs on this document whose lines overlap `span` (a newer request replaces
        them; an edit inside them makes them stale)."""
        current = asyncio.current_task()
        for task, (other_uri, other) in list(self.in_progress.items()):
            if task is not current and other_uri == uri and other.overlaps(span):
                self.cancel_with_reason(task, "replaced by a newer cross-check of these lines")

    def cancel_with_reason(self, task: asyncio.Task[Any], reason: str) -> None:
        for finished in [t for t in self.cancel_reasons if t.done()]:
            del self.cancel_reasons[finished]
        if not task.done():
            self.cancel_reasons.setdefault(task, reason)
            task.cancel()


STATUS_COMMAND = "counterpoint.serverStatus"
SERVER = CounterpointServer()


@SERVER.feature(types.INITIALIZE)
def on_initialize(server: CounterpointServer, params: types.InitializeParams) -> None:
    options = params.initialization_options
    server.init_options = options if isinstance(options, dict) else {}
    server.apply_settings()


@SERVER.feature(types.INITIALIZED)
def on_initialized(server: CounterpointServer, params: types.InitializedParams) -> None:
    server.pending_configuration = asyncio.ensure_future(server.refresh_configuration())
    # Importing the SDKs takes seconds; do it now rather than on the first cross-check.
    threading.Thread(target=warm_up, name="counterpoint-warm-up", daemon=True).start()


@SERVER.feature(types.WORKSPACE_DID_CHANGE_CONFIGURATION)
def on_configuration_change(
    server: CounterpointServer, params: types.DidChangeConfigurationParams
) -> None:
    settings = params.settings
    if isinstance(settings, dict) and isinstance(settings.get("counterpoint"), dict):
        server.push_settings(settings["counterpoint"])
    else:  # the client only signals a change: ask for the section
        server.pending_configuration = asyncio.ensure_future(server.refresh_configuration())


@SERVER.feature(types.TEXT_DOCUMENT_DID_OPEN)
def on_open(server: CounterpointServer, params: types.DidOpenTextDocumentParams) -> None:
    server.texts[params.text_document.uri] = params.text_document.text


@SERVER.feature(types.TEXT_DOCUMENT_DID_CHANGE)
def on_change(server: CounterpointServer, params: types.DidChangeTextDocumentParams) -> None:
    follow_edit(server, params.text_document.uri)


@SERVER.feature(types.TEXT_DOCUMENT_DID_CLOSE)
def on_close(server: CounterpointServer, params: types.DidCloseTextDocumentParams) -> None:
    server.texts.pop(params.text_document.uri, None)


@SERVER.feature(types.TEXT_DOCUMENT_INLINE_COMPLETION, types.InlineCompletionOptions())
def on_inline_completion(
    server: CounterpointServer, params: types.InlineCompletionParams
) -> types.InlineCompletionList | None:
    return inline_completions(server, server.store, params)


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


@SERVER.command(STATUS_COMMAND)
def on_status(server: CounterpointServer, *arguments: Any) -> dict[str, Any]:
    """What the server holds right now, to see that nothing piles up in a long session."""
    return {
        "tasks": len(asyncio.all_tasks()),
        "crossChecksRunning": len(server.in_progress),
        "trackedRequests": len(server.tasks_by_request),
        "cancelReasons": sum(1 for task in server.cancel_reasons if not task.done()),
        "documents": len(server.texts),
        "reports": server.store.count,
        "executionMemo": server.engine.execution_memo_size,
        "crossChecksWaiting": server.engine.check_slots.waiting,
        "sessionCostUsd": round(server.engine.session_budget.spent, 6),
        "sessionCalls": server.engine.session_budget.calls,
    }


@SERVER.command(ACCEPT_COMMAND)
async def on_accept(server: CounterpointServer, *arguments: Any) -> dict[str, Any]:
    """Apply a proposal through workspace/applyEdit: {"requestId": …, "proposal": "claude"}."""
    argument = arguments[0] if len(arguments) == 1 and isinstance(arguments[0], dict) else {}
    proposal_id = argument.get("proposal")
    if not isinstance(proposal_id, str) or not isinstance(argument.get("requestId"), str):
        raise JsonRpcInvalidParams(f"{ACCEPT_COMMAND} takes {{requestId, proposal}}")
    stored = server.store.get(argument["requestId"])
    if stored is None:
        message = "That cross-check is no longer current (its code was edited); run it again."
        server.show_message(f"Counterpoint: {message}", types.MessageType.Warning)
        raise RequestFailed(message)
    if not stored.report.proposal(proposal_id):
        raise JsonRpcInvalidParams(f"no proposal {proposal_id!r} in that cross-check")
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
