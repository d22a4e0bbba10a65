"""Text coordinates in one place: lines, code-point columns and tree-sitter's UTF-8 bytes."""

from __future__ import annotations

from counterpoint.pipeline.request import Position, Range


def split_lines(text: str) -> list[str]:
    """Lines with their endings, as LSP counts them (a trailing newline opens an empty line)."""
    lines = text.splitlines(keepends=True)
    if not lines or lines[-1].endswith(("\n", "\r")):
        lines.append("")
    return lines


def offset_of(text: str, position: Position) -> int:
    """Code-point offset of a position, clamped to the document like LSP clients do."""
    lines = split_lines(text)
    if position.line >= len(lines):
        return len(text)
    line = max(position.line, 0)
    start = sum(len(entry) for entry in lines[:line])
    content = lines[line].rstrip("\r\n")
    return start + min(max(position.character, 0), len(content))


def position_at(text: str, offset: int) -> Position:
    before = text[:offset]
    line = before.count("\n")
    return Position(line, offset - (before.rfind("\n") + 1))


def byte_offset(text: str, offset: int) -> int:
    return len(text[:offset].encode("utf-8"))


def char_offset(source: bytes, byte: int) -> int:
    return len(source[:byte].decode("utf-8", errors="replace"))


def slice_range(text: str, span: Range) -> str:
    return text[offset_of(text, span.start) : offset_of(text, span.end)]


def replace_range(text: str, span: Range, replacement: str) -> str:
    return text[: offset_of(text, span.start)] + replacement + text[offset_of(text, span.end) :]


def line_count(text: str) -> int:
    return len(split_lines(text))
