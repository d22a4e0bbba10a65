"""Keeping reports true to the document as it is edited.

An edit inside a checked range makes its report stale (dropped) and cancels a run on it; an edit
above it moves it down or up; an edit below it changes nothing.
"""

from __future__ import annotations

import difflib
from dataclasses import replace

from counterpoint.lsp.diagnostics import publish
from counterpoint.lsp.editor import Editor
from counterpoint.lsp.session import Session
from counterpoint.model.text import line_count, split_lines

Edit = tuple[int, int, int]  # old lines [start, end) replaced, and the change in line count


def line_edits(old: str, new: str) -> list[Edit]:
    """The lines an edit replaced. Only the lines between the texts' common head and tail are
    diffed: a diff of every line of a 5 MB document took minutes on each keystroke."""
    head = _common_head(old, new)
    cut = old.rfind("\n", 0, head) + 1  # a line start in both texts
    tail = _common_tail(old, new, min(len(old), len(new)) - cut)  # never into the head
    old_end = _line_start_in_tail(old, len(old) - tail)
    new_end = old_end + len(new) - len(old)
    skipped = line_count(old[:cut]) - 1
    matcher = difflib.SequenceMatcher(
        None, split_lines(old[cut:old_end]), split_lines(new[cut:new_end]), autojunk=False
    )
    return [
        (skipped + i1, skipped + i2, (j2 - j1) - (i2 - i1))
        for tag, i1, i2, j1, j2 in matcher.get_opcodes()
        if tag != "equal"
    ]


_STEP = 1 << 14


def _common_head(a: str, b: str) -> int:
    """Length of the longest common prefix, compared a block at a time."""
    size = min(len(a), len(b))
    start = 0
    while start < size and a[start : start + _STEP] == b[start : start + _STEP]:
        start += _STEP
    end = min(start + _STEP, size)
    while start < end and a[start] == b[start]:
        start += 1
    return min(start, size)


def _common_tail(a: str, b: str, limit: int) -> int:
    """Length of the longest common suffix, at most `limit` and short of either whole text."""
    size = min(len(a), len(b), limit)
    length = 0
    while (
        length + _STEP <= size
        and a[len(a) - length - _STEP : len(a) - length]
        == b[len(b) - length - _STEP : len(b) - length]
    ):
        length += _STEP
    while length < size and a[len(a) - length - 1] == b[len(b) - length - 1]:
        length += 1
    return length


def _line_start_in_tail(text: str, offset: int) -> int:
    """The first line start whose line break lies inside the common tail (from `offset`), so
    the text from there is whole lines in both texts; else the end of the text."""
    found = text.find("\n", offset)
    return len(text) if found < 0 else found + 1


def touches(first: int, end: int, edits: list[Edit]) -> bool:
    """Whether an edit falls inside lines [first, end)."""
    return any((i1 < end and i2 > first) or (i1 == i2 and first < i1 < end) for i1, i2, _ in edits)


def shift_above(first: int, edits: list[Edit]) -> int:
    return sum(delta for i1, i2, delta in edits if i2 <= first and (i1 < first or i1 == i2))


def follow_edit(editor: Editor, session: Session, uri: str) -> None:
    document = editor.workspace.get_text_document(uri)
    old, new = session.texts.get(uri), document.source
    session.texts[uri] = new
    if old is None or old == new:
        return
    store = session.store
    if not session.running_on(uri) and not store.for_uri(uri):
        return  # nothing to follow: no need to find what changed
    edits = line_edits(old, new)
    for task, (running_uri, span) in list(session.in_progress.items()):
        if running_uri == uri and touches(span.start.line, span.end.line, edits):
            session.cancel_with_reason(
                task, "the lines changed while they were being cross-checked"
            )
    for stored in store.for_uri(uri):
        target = stored.report.target_range
        first, end = target.start.line + stored.shift, target.end.line + stored.shift
        if touches(first, end, edits):
            store.drop(stored.report.request_id)
        else:
            moved = replace(
                stored, shift=stored.shift + shift_above(first, edits), version=document.version
            )
            store.replace(moved)
    publish(editor, session, uri)
