"""The one place where LSP positions (client code units, usually UTF-16) meet the pipeline's
code-point positions. Lines past the end are kept as they are, so the pipeline can say so."""

from __future__ import annotations

from lsprotocol import types
from pygls.workspace import TextDocument

from counterpoint.lsp.state import StoredReport
from counterpoint.model.request import Position, Range
from counterpoint.model.text import LineLookup, line_at, line_start


def to_pipeline_range(document: TextDocument, span: types.Range) -> Range:
    return Range(
        to_pipeline_position(document, span.start), to_pipeline_position(document, span.end)
    )


def to_pipeline_position(document: TextDocument, position: types.Position) -> Position:
    start = line_start(document.source, position.line) if position.line >= 0 else None
    if start is None:
        return Position(position.line, position.character)
    line = line_at(document.source, position.line, start).removesuffix("\n").removesuffix("\r")
    units = 0
    for index, char in enumerate(line):
        if units >= position.character:
            return Position(position.line, index)
        units += document.position_codec.client_num_units(char)
    return Position(position.line, len(line))


def to_lsp_range(lines: LineLookup, span: Range, document: TextDocument) -> types.Range:
    return types.Range(
        to_lsp_position(lines, span.start, document), to_lsp_position(lines, span.end, document)
    )


def to_lsp_position(
    lines: LineLookup, position: Position, document: TextDocument
) -> types.Position:
    if position.line >= len(lines):
        # Past the last line (a whole-line range over a file with no final newline): clamp to
        # the end of the document, which every client accepts.
        last = len(lines) - 1
        return types.Position(
            line=last, character=document.position_codec.client_num_units(lines[last])
        )
    prefix = lines[position.line][: position.character]
    return types.Position(
        line=position.line, character=document.position_codec.client_num_units(prefix)
    )


def stored_range(stored: StoredReport, span: Range, document: TextDocument) -> types.Range:
    """A report's range in the client's current coordinates: converted with the lines it was
    made against, then moved by the lines edits above it have added or removed."""
    converted = to_lsp_range(stored.lines, span, document)
    if stored.shift:
        converted.start.line += stored.shift
        converted.end.line += stored.shift
    return converted
