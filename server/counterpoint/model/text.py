"""Text coordinates in one place: lines, code-point columns and tree-sitter's UTF-8 bytes."""

from __future__ import annotations

import re
from typing import Protocol

from counterpoint.model.request import Position, Range

_LINE_BREAK = re.compile(r"(?<=\r\n)|(?<=\n)|(?<=\r)(?!\n)")


def split_lines(text: str) -> list[str]:
    """Lines with their endings, broken only where LSP and tree-sitter break them (\\n, \\r\\n,
    \\r), unlike str.splitlines; a trailing line break opens an empty last line."""
    return _LINE_BREAK.split(text)


def line_ending(text: str) -> str:
    """The document's line ending: the first one it uses, else \\n."""
    match = re.search(r"\r\n|\n|\r", text)
    return match.group(0) if match else "\n"


def offset_of(text: str, position: Position) -> int:
    """Code-point offset of a position, clamped to the document like LSP clients do."""
    start = line_start(text, max(position.line, 0))
    if start is None:
        return len(text)
    content = line_at(text, max(position.line, 0), start).removesuffix("\n").removesuffix("\r")
    return start + min(max(position.character, 0), len(content))


_BREAK = re.compile(r"\r\n|\n|\r")
_CHUNK = 1 << 16


def _breaks(text: str, start: int, end: int, has_cr: bool = True) -> int:
    if not has_cr:
        return text.count("\n", start, end)
    return (
        text.count("\n", start, end) + text.count("\r", start, end) - text.count("\r\n", start, end)
    )


def line_start(text: str, line: int) -> int | None:
    """Where zero-based `line` starts, or None past the last line. Counts line breaks a chunk at
    a time instead of splitting the text: on a 5 MB document that takes milliseconds, not the
    third of a second split_lines holds the interpreter for."""
    if line <= 0:
        return 0
    has_cr = "\r" in text
    seen, start = 0, 0
    while start < len(text):
        end = min(start + _CHUNK, len(text))
        if has_cr and text[end - 1 : end] == "\r" and text[end : end + 1] == "\n":
            end += 1  # keep \r\n in one chunk
        found = _breaks(text, start, end, has_cr)
        if seen + found >= line:
            for match in _BREAK.finditer(text, start, end):
                seen += 1
                if seen == line:
                    return match.end()
        seen += found
        start = end
    return None


def line_at(text: str, line: int, start: int | None = None) -> str:
    """Line `line` with its ending ("" past the last line); `start` if already known."""
    start = line_start(text, line) if start is None else start
    if start is None:
        return ""
    found = _BREAK.search(text, start)
    return text[start : found.end() if found else len(text)]


def byte_offset(text: str, offset: int) -> int:
    return len(text[:offset].encode("utf-8"))


def slice_range(text: str, span: Range) -> str:
    return text[offset_of(text, span.start) : offset_of(text, span.end)]


def replace_range(text: str, span: Range, replacement: str) -> str:
    return text[: offset_of(text, span.start)] + replacement + text[offset_of(text, span.end) :]


def line_count(text: str) -> int:
    return _breaks(text, 0, len(text), "\r" in text) + 1


class LineLookup(Protocol):
    """Lines by index, and how many there are: a list, or one of the two classes below."""

    def __len__(self) -> int: ...

    def __getitem__(self, line: int, /) -> str: ...


class Lines:
    """A document's lines looked up one at a time, without splitting the whole text."""

    def __init__(self, text: str) -> None:
        self.text = text
        self._count: int | None = None

    def __len__(self) -> int:
        if self._count is None:
            self._count = line_count(self.text)
        return self._count

    def __getitem__(self, line: int) -> str:
        return line_at(self.text, line)


class LineWindow:
    """Lines `first`..`first + len(kept) - 1` of a document of `total` lines: what a stored
    report needs to convert its positions, without keeping a copy of every line."""

    def __init__(self, text: str, first: int, last: int) -> None:
        start = line_start(text, first)
        end = line_start(text, last + 1) if start is not None else None
        window = text[start:end] if start is not None else ""
        self.first = first
        self.kept = tuple(split_lines(window)) if window else ()
        if end is not None and self.kept and self.kept[-1] == "":
            self.kept = self.kept[:-1]  # the window ends at a line break, not an empty line
        self.total = line_count(text)

    def __len__(self) -> int:
        return self.total

    def __getitem__(self, line: int) -> str:
        index = line - self.first
        return self.kept[index] if 0 <= index < len(self.kept) else ""
