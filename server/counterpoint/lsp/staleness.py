"""Keeping reports true to the document as it is edited.

An edit inside a checked range makes its report stale (dropped) and cancels a run on it; an edit
above it moves it down or up; an edit below it changes nothing.
"""

from __future__ import annotations

import difflib
from dataclasses import replace
from typing import TYPE_CHECKING

from counterpoint.lsp.diagnostics import publish
from counterpoint.pipeline.text import split_lines

if TYPE_CHECKING:
    from counterpoint.lsp.server import CounterpointServer

Edit = tuple[int, int, int]  # old lines [start, end) replaced, and the change in line count


def line_edits(old: str, new: str) -> list[Edit]:
    matcher = difflib.SequenceMatcher(None, split_lines(old), split_lines(new), autojunk=False)
    return [
        (i1, i2, (j2 - j1) - (i2 - i1))
        for tag, i1, i2, j1, j2 in matcher.get_opcodes()
        if tag != "equal"
    ]


def touches(first: int, end: int, edits: list[Edit]) -> bool:
    """Whether an edit falls inside lines [first, end)."""
    return any((i1 < end and i2 > first) or (i1 == i2 and first < i1 < end) for i1, i2, _ in edits)


def shift_above(first: int, edits: list[Edit]) -> int:
    return sum(delta for i1, i2, delta in edits if i2 <= first and (i1 < first or i1 == i2))


def follow_edit(server: CounterpointServer, uri: str) -> None:
    document = server.workspace.get_text_document(uri)
    old, new = server.texts.get(uri), document.source
    server.texts[uri] = new
    if old is None or old == new:
        return
    edits = line_edits(old, new)
    for task, (running_uri, span) in list(server.in_progress.items()):
        if running_uri == uri and touches(span.start.line, span.end.line, edits):
            server.cancel_with_reason(task, "the lines changed while they were being cross-checked")
    for stored in server.store.for_uri(uri):
        target = stored.report.target_range
        first, end = target.start.line + stored.shift, target.end.line + stored.shift
        if touches(first, end, edits):
            server.store.drop(stored.report.request_id)
        else:
            moved = replace(
                stored, shift=stored.shift + shift_above(first, edits), version=document.version
            )
            server.store.replace(moved)
    publish(server, server.store, uri)
