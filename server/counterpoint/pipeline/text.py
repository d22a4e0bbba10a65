"""Text coordinates in one place: lines, code-point columns and tree-sitter's UTF-8 bytes."""

from __future__ import annotations

import re

from counterpoint.pipeline.request import Position, Range

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
    lines = split_lines(text)
    if position.line >= len(lines):
        return len(text)
    line = max(position.line, 0)
    start = sum(len(entry) for entry in lines[:line])
    content = lines[line].removesuffix("\n").removesuffix("\r")
    return start + min(max(position.character, 0), len(content))


def byte_offset(text: str, offset: int) -> int:
    return len(text[:offset].encode("utf-8"))


def slice_range(text: str, span: Range) -> str:
    return text[offset_of(text, span.start) : offset_of(text, span.end)]


def replace_range(text: str, span: Range, replacement: str) -> str:
    return text[: offset_of(text, span.start)] + replacement + text[offset_of(text, span.end) :]


def line_count(text: str) -> int:
    return len(split_lines(text))
