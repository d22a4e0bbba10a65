"""A real `counterpoint serve` over stdio, driven by pytest-lsp's client, with both providers
pointed at the HTTP fake."""

import contextlib
import os
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any, Union

import pytest_asyncio
from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient

FIXTURES = Path(__file__).parent / "fixtures" / "windows_project"


def server_env(fake_env: dict[str, str], cache_dir: Path) -> dict[str, str]:
    clean = {k: v for k, v in os.environ.items() if not k.endswith(("_API_KEY", "_BASE_URL"))}
    return {**clean, **fake_env, "COUNTERPOINT_CACHE_DIR": str(cache_dir)}


@contextlib.asynccontextmanager
async def started_client(
    fake_providers,
    tmp_path: Path,
    initialization_options: dict | None = None,
    *,
    wait_for_result: bool = True,
    root: Path = FIXTURES,
) -> AsyncIterator[LanguageClient]:
    """`counterpoint serve` with the user's own settings as `initialization_options`. With
    `wait_for_result` (most tests) the cross-check command answers with its summary; without
    it, it answers once the run has started and ends with `counterpoint/crossCheckDone`."""
    if wait_for_result:
        initialization_options = {"waitForResult": True, **(initialization_options or {})}
    config = ClientServerConfig(
        server_command=[sys.executable, "-m", "counterpoint", "serve"],
        server_env=server_env(fake_providers.env(), tmp_path / "cache"),
    )
    lsp_client: LanguageClient = await config.start()
    read_code_actions_whole(lsp_client)
    await lsp_client.initialize_session(
        types.InitializeParams(
            capabilities=types.ClientCapabilities(
                window=types.WindowClientCapabilities(work_done_progress=True),
                workspace=types.WorkspaceClientCapabilities(
                    configuration=True,
                    # As VS Code declares it: an answered question may create a test file.
                    workspace_edit=types.WorkspaceEditClientCapabilities(
                        document_changes=True,
                        resource_operations=[types.ResourceOperationKind.Create],
                    ),
                ),
            ),
            root_uri=root.as_uri(),
            initialization_options=initialization_options,
        )
    )
    try:
        yield lsp_client
    finally:
        await lsp_client.shutdown_session()
        await lsp_client.stop()


def read_code_actions_whole(lsp_client: LanguageClient) -> None:
    """lsprotocol reads any code action with a `command` key as a bare Command (whose `command`
    is then the nested object's repr), losing its title's neighbours: kind, data, disabled.
    Read it as a CodeAction when its command is an object, as the specification says."""
    converter = lsp_client.protocol._converter

    def structure(obj: Any, _: type) -> types.Command | types.CodeAction:
        if isinstance(obj.get("command"), str):
            return converter.structure(obj, types.Command)
        return converter.structure(obj, types.CodeAction)

    converter.register_structure_hook(Union[types.Command, types.CodeAction], structure)  # noqa: UP007


@pytest_asyncio.fixture
async def client(fake_providers, tmp_path):
    async with started_client(fake_providers, tmp_path) as lsp_client:
        yield lsp_client


def open_fixture(client: LanguageClient, name: str = "windows.py") -> tuple[str, str]:
    path = FIXTURES / name
    uri, text = path.as_uri(), path.read_text()
    client.text_document_did_open(
        types.DidOpenTextDocumentParams(
            text_document=types.TextDocumentItem(
                uri=uri, language_id="python", version=1, text=text
            )
        )
    )
    return uri, text


def whole_lines(first: int, last: int) -> dict:
    """An LSP range over zero-based lines first..last, as a client's selection would be."""
    return {"start": {"line": first, "character": 0}, "end": {"line": last + 1, "character": 0}}
