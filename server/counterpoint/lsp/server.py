"""The language server: registration only. Each feature lives in its own module and takes the
Session (lsp/session.py) and what it needs of this server (lsp/editor.py)."""

from __future__ import annotations

import logging
import os
import sys
from typing import Any

from lsprotocol import types
from pygls.lsp.server import LanguageServer

from counterpoint import __version__
from counterpoint.config import Settings
from counterpoint.lsp import nesting
from counterpoint.lsp.actions import (
    ACCEPT_COMMAND,
    CROSS_CHECK_COMMAND,
    CROSS_CHECK_KIND,
    accept,
    code_actions,
)
from counterpoint.lsp.configuration import Configuration
from counterpoint.lsp.crosscheck import CANCEL_COMMAND, cancel_cross_check, run_cross_check
from counterpoint.lsp.editor import show_message
from counterpoint.lsp.hover import hover
from counterpoint.lsp.inline import INLINE_ACCEPTED_COMMAND, inline_accepted, inline_completions
from counterpoint.lsp.protocol import CounterpointProtocol
from counterpoint.lsp.questions import ANSWER_COMMAND, answer_question
from counterpoint.lsp.session import Session
from counterpoint.lsp.staleness import follow_edit

STATUS_COMMAND = "counterpoint.serverStatus"


class CounterpointServer(LanguageServer):
    def __init__(self) -> None:
        super().__init__("counterpoint", __version__, protocol_cls=CounterpointProtocol)
        nesting.install()
        self.session = Session(Settings.from_env(), on_warning=self._warn)
        self.configuration = Configuration(self.session, self)
        assert isinstance(self.protocol, CounterpointProtocol)
        self.protocol.on_cancel = self.session.cancel_request

    def _warn(self, message: str) -> None:
        show_message(self, f"Counterpoint: {message}", types.MessageType.Warning)


SERVER = CounterpointServer()


@SERVER.feature(types.INITIALIZE)
def on_initialize(server: CounterpointServer, params: types.InitializeParams) -> None:
    server.configuration.initialize(params.initialization_options)
    # The client's choice of the cross-check command's answer (lsp/crosscheck.py).
    options = params.initialization_options
    server.session.wait_for_result = isinstance(options, dict) and bool(
        options.get("waitForResult") is True
    )
    server.session.shows_done_notification = isinstance(options, dict) and bool(
        options.get("showsCrossCheckDone") is True
    )


@SERVER.feature(types.INITIALIZED)
def on_initialized(server: CounterpointServer, params: types.InitializedParams) -> None:
    server.configuration.refresh_soon()
    # Importing the SDKs takes seconds; do it now (off the loop) rather than on the first
    # cross-check, which waits for it.
    server.session.engine.warm_up_soon()


@SERVER.feature(types.EXIT)
def on_exit(server: CounterpointServer, params: None) -> None:
    """Exit at once: interpreter finalisation (the loop's executor and pygls' stdin reader
    joined, the SDKs' modules and clients torn down) took about 2.7 s, and VS Code kills a
    server still running 2 s after `exit`. What must not outlive us is ended first."""
    code = 0 if server.protocol._shutdown else 1  # as pygls would: 1 without `shutdown`
    try:
        server.session.end()
    finally:
        for handler in logging.getLogger().handlers:
            handler.flush()
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)


@SERVER.feature(types.WORKSPACE_DID_CHANGE_CONFIGURATION)
def on_configuration_change(
    server: CounterpointServer, params: types.DidChangeConfigurationParams
) -> None:
    server.configuration.changed(params.settings)


@SERVER.feature(types.TEXT_DOCUMENT_DID_OPEN)
def on_open(server: CounterpointServer, params: types.DidOpenTextDocumentParams) -> None:
    server.session.open(params.text_document.uri, params.text_document.text)


@SERVER.feature(types.TEXT_DOCUMENT_DID_CHANGE)
def on_change(server: CounterpointServer, params: types.DidChangeTextDocumentParams) -> None:
    follow_edit(server, server.session, params.text_document.uri)


@SERVER.feature(types.TEXT_DOCUMENT_DID_CLOSE)
def on_close(server: CounterpointServer, params: types.DidCloseTextDocumentParams) -> None:
    server.session.close(params.text_document.uri)


@SERVER.feature(types.TEXT_DOCUMENT_INLINE_COMPLETION, types.InlineCompletionOptions())
def on_inline_completion(
    server: CounterpointServer, params: types.InlineCompletionParams
) -> types.InlineCompletionList | None:
    return inline_completions(server.session, server.workspace, params)


@SERVER.feature(types.TEXT_DOCUMENT_HOVER)
def on_hover(server: CounterpointServer, params: types.HoverParams) -> types.Hover | None:
    return hover(server.session, server.workspace, params)


@SERVER.feature(
    types.TEXT_DOCUMENT_CODE_ACTION,
    types.CodeActionOptions(code_action_kinds=[types.CodeActionKind.QuickFix, CROSS_CHECK_KIND]),
)
def on_code_action(
    server: CounterpointServer, params: types.CodeActionParams
) -> list[types.CodeAction]:
    return code_actions(server.session, server.workspace, params)


@SERVER.command(CROSS_CHECK_COMMAND)
async def on_cross_check(server: CounterpointServer, *arguments: Any) -> dict[str, Any]:
    # The request's JSON-RPC id, set by pygls for each request, lets $/cancelRequest stop it.
    return await run_cross_check(server, server.session, arguments, server.protocol.msg_id)


@SERVER.command(CANCEL_COMMAND)
def on_cancel(server: CounterpointServer, *arguments: Any) -> dict[str, Any]:
    return cancel_cross_check(server.session, arguments)


@SERVER.command(STATUS_COMMAND)
def on_status(server: CounterpointServer, *arguments: Any) -> dict[str, Any]:
    return server.session.status()


@SERVER.command(ACCEPT_COMMAND)
async def on_accept(server: CounterpointServer, *arguments: Any) -> dict[str, Any]:
    return await accept(server, server.session, arguments)


@SERVER.command(ANSWER_COMMAND)
async def on_answer(server: CounterpointServer, *arguments: Any) -> dict[str, Any]:
    return await answer_question(server, server.session, arguments, server.protocol.msg_id)


@SERVER.command(INLINE_ACCEPTED_COMMAND)
def on_inline_accepted(server: CounterpointServer, *arguments: Any) -> dict[str, Any]:
    return inline_accepted(arguments)
