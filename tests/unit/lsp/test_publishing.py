"""Publishing is coalesced per document: the first of a burst and every new proposal at once,
the rest once per interval, and nothing after the run's own publish."""

import asyncio

from lsprotocol import types
from pygls.workspace import Workspace

from counterpoint.config import Settings
from counterpoint.lsp.diagnostics import PUBLISH_INTERVAL_S, publish, publish_soon
from counterpoint.lsp.session import Session

URI = "file:///w/windows.py"


class Recorder:
    """The part of the server that publishing uses."""

    def __init__(self) -> None:
        self.workspace = Workspace(None)
        self.workspace.put_text_document(
            types.TextDocumentItem(uri=URI, language_id="python", version=1, text="x = 1\n")
        )
        self.published: list[float] = []

    def text_document_publish_diagnostics(self, params: types.PublishDiagnosticsParams) -> None:
        self.published.append(asyncio.get_running_loop().time())


async def test_a_burst_is_coalesced_but_its_first_piece_and_proposals_go_out_at_once():
    editor = Recorder()
    session = Session(Settings.from_env(), on_warning=lambda _message: None)
    publish_soon(editor, session, URI)
    assert len(editor.published) == 1  # the first piece: at once
    for _ in range(20):  # a burst of judgments and test runs
        publish_soon(editor, session, URI)
    assert len(editor.published) == 1
    publish_soon(editor, session, URI, urgent=True)
    assert len(editor.published) == 2  # a proposal: at once, whatever the interval
    publish_soon(editor, session, URI)
    await asyncio.sleep(PUBLISH_INTERVAL_S * 2)
    assert len(editor.published) == 3  # the burst's rest: once, at the end of the interval
    gap = editor.published[2] - editor.published[1]
    assert PUBLISH_INTERVAL_S * 0.9 <= gap < PUBLISH_INTERVAL_S * 3


async def test_a_direct_publish_takes_the_place_of_a_pending_one():
    editor = Recorder()
    session = Session(Settings.from_env(), on_warning=lambda _message: None)
    publish_soon(editor, session, URI)
    publish_soon(editor, session, URI)  # pending
    publish(editor, session, URI)  # the run's end, say
    await asyncio.sleep(PUBLISH_INTERVAL_S * 2)
    assert len(editor.published) == 2 and not session.publish_timers
