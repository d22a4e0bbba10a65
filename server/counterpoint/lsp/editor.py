"""What the features use of the pygls server: the open documents and the messages to the client.

Features take an `Editor` rather than the server class, so they need not import lsp/server.py
(which imports them), and a test can hand them something smaller.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

from lsprotocol import types
from pygls.progress import Progress
from pygls.protocol import JsonRPCProtocol
from pygls.workspace import Workspace


class Editor(Protocol):
    @property
    def workspace(self) -> Workspace: ...

    @property
    def client_capabilities(self) -> types.ClientCapabilities: ...

    @property
    def work_done_progress(self) -> Progress: ...

    @property
    def protocol(self) -> JsonRPCProtocol: ...

    def text_document_publish_diagnostics(self, params: types.PublishDiagnosticsParams) -> None: ...

    def window_show_message(self, params: types.ShowMessageParams) -> None: ...

    async def workspace_apply_edit_async(
        self, params: types.ApplyWorkspaceEditParams
    ) -> types.ApplyWorkspaceEditResult: ...

    async def workspace_configuration_async(
        self, params: types.ConfigurationParams
    ) -> Sequence[Any | None]: ...


def show_message(editor: Editor, message: str, kind: types.MessageType) -> None:
    editor.window_show_message(types.ShowMessageParams(type=kind, message=message))
