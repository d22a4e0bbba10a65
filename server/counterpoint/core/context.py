"""What the models see: the target lines plus a bounded context found with tree-sitter.

The target is the selection widened to whole lines, or the enclosing definition when the selection
is empty. Context is the enclosing definition, the module's imports and the signatures of the names
the target uses. The whole file is never sent.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import tree_sitter

from counterpoint.languages import LanguageSpec
from counterpoint.model.request import (
    CrossCheckRequest,
    Range,
    RequestError,
    check_document_size,
    check_expectations,
    check_selection_size,
)
from counterpoint.model.text import byte_offset, line_start, offset_of, split_lines

DEFAULT_CONTEXT_CHARS = 8_000


@dataclass(frozen=True)
class CodeContext:
    language: str
    fence: str
    target_range: Range  # whole lines, in document coordinates
    target_code: str
    enclosing: str | None = None  # e.g. "function window_sums (lines 3-12)" and its code
    enclosing_code: str | None = None
    imports: str = ""
    signatures: tuple[str, ...] = field(default_factory=tuple)
    truncated: bool = False
    symbols: tuple[str, ...] = ()  # names defined in or around the target, for test selection

    @property
    def first_line(self) -> int:
        return self.target_range.start.line

    @property
    def target_line_count(self) -> int:
        return self.target_range.end.line - self.target_range.start.line


def check_size(request: CrossCheckRequest) -> None:
    """Refuse a document or a selection (widened to whole lines) that is too big, before
    anything parses the document. An empty selection's target is known only after parsing."""
    text, selection = request.text, request.selection
    check_document_size(len(text))
    check_expectations(request.expectations)
    if selection.is_empty or selection.end < selection.start:
        return
    start = line_start(text, selection.start.line)
    if start is None:
        return  # past the end: _target_lines says so
    last = selection.end.line
    if selection.end.character == 0 and selection.end.line > selection.start.line:
        last -= 1
    end = line_start(text, last + 1)
    check_selection_size((len(text) if end is None else end) - start)


def build_context(
    request: CrossCheckRequest, language: LanguageSpec, max_chars: int = DEFAULT_CONTEXT_CHARS
) -> CodeContext:
    check_size(request)
    text = request.text
    lines = split_lines(text)
    source = text.encode("utf-8")
    tree = language.parser().parse(source)
    definitions = _definitions(language, tree)

    target = _target_lines(request, lines, source, definitions)
    first, last = target
    target_code = "".join(lines[first : last + 1])
    if not target_code.strip():
        raise RequestError(f"lines {first + 1}-{last + 1} are blank: select the code to check")
    check_selection_size(len(target_code))

    budget = _Budget(max_chars)
    enclosing_label, enclosing_code = None, None
    enclosing = _innermost(definitions, first, last, strict=True)
    if enclosing is not None:
        code = enclosing.node.text.decode("utf-8", errors="replace") if enclosing.node.text else ""
        start = enclosing.node.start_point.row
        end = start + code.count("\n") + 1
        enclosing_label = f"{enclosing.kind} {enclosing.name} (lines {start + 1}-{end})"
        enclosing_code = budget.take(_indent_first_line(code, enclosing.node, source))

    import_nodes = _captures(language.queries.imports, tree.root_node, "import")
    imports = budget.take("\n".join(_node_text(node) for node in import_nodes))

    used = _names_used(language, tree, source, text, first, last)
    signatures = []
    for definition in definitions:
        node_first, node_last = definition.node.start_point.row, definition.node.end_point.row
        inside_target = first <= node_first and node_last <= last
        if definition.name not in used or inside_target:
            continue
        if enclosing is not None and definition.node == enclosing.node:
            continue
        signature = budget.take(_signature(language, definition, source))
        if signature:
            signatures.append(signature)

    for constant in _constants(language, tree, used, first, last):
        taken = budget.take(constant)
        if taken:
            signatures.append(taken)

    symbols = {d.name for d in definitions if first <= d.node.start_point.row <= last}
    if enclosing is not None:
        symbols.add(enclosing.name)
    return CodeContext(
        symbols=tuple(sorted(symbols)),
        language=language.name,
        fence=language.fence,
        target_range=Range.of_lines(first, last),
        target_code=target_code,
        enclosing=enclosing_label,
        enclosing_code=enclosing_code,
        imports=imports,
        signatures=tuple(signatures),
        truncated=budget.truncated,
    )


@dataclass(frozen=True)
class _Definition:
    kind: str
    name: str
    node: tree_sitter.Node
    body: tree_sitter.Node


class _Budget:
    """Hands out context text until the character budget is spent."""

    def __init__(self, limit: int) -> None:
        self.left = limit
        self.truncated = False

    def take(self, text: str) -> str:
        if len(text) <= self.left:
            self.left -= len(text)
            return text
        self.truncated = True
        if self.left <= 0:
            return ""
        kept = text[: self.left].rsplit("\n", 1)[0] + "\n# … (truncated)"
        self.left = 0
        return kept


def _target_lines(
    request: CrossCheckRequest,
    lines: list[str],
    source: bytes,
    definitions: list[_Definition],
) -> tuple[int, int]:
    selection = request.selection
    last_line = len(lines) - 1
    if selection.start.line < 0 or selection.end < selection.start:
        raise RequestError(f"invalid selection {selection.to_json()}")
    if selection.start.line > last_line:
        raise RequestError(
            f"the selection starts at line {selection.start.line + 1}, "
            f"but the document has {last_line + 1} lines"
        )
    if selection.is_empty:
        cursor = selection.start.line
        enclosing = _innermost(definitions, cursor, cursor, strict=False)
        if enclosing is None:
            raise RequestError(
                f"no function or class encloses line {cursor + 1}: select the code to check"
            )
        return enclosing.node.start_point.row, enclosing.node.end_point.row
    end_line = min(selection.end.line, last_line)
    if selection.end.character == 0 and selection.end.line > selection.start.line:
        end_line = min(selection.end.line - 1, last_line)
    return selection.start.line, end_line


def definition_lines(language: LanguageSpec, text: str) -> tuple[tuple[int, int], ...]:
    """The first and last line of every definition: where a cross-check at the cursor makes
    sense (it checks the innermost one). One parse of the whole text, so callers keep it."""
    tree = language.parser().parse(text.encode("utf-8"))
    return tuple(
        (d.node.start_point.row, d.node.end_point.row) for d in _definitions(language, tree)
    )


def definitions_named(language: LanguageSpec, text: str, name: str) -> list[tuple[int, int]]:
    """The first and last line of each definition called `name`; "Outer.inner" also asks that
    the definitions around it be named so, innermost last."""
    *outer, own = name.split(".")
    tree = language.parser().parse(text.encode("utf-8"))
    found = _definitions(language, tree)

    def around(inner: _Definition) -> list[str]:
        return [
            d.name
            for d in found
            if d.node.start_byte <= inner.node.start_byte
            and inner.node.end_byte <= d.node.end_byte
            and d.node != inner.node
        ]

    return [
        (d.node.start_point.row, d.node.end_point.row)
        for d in found
        if d.name == own and (not outer or around(d)[-len(outer) :] == outer)
    ]


def encloses(spans: Sequence[tuple[int, int]], line: int) -> bool:
    return any(start <= line <= end for start, end in spans)


MAX_CONSTANT_CHARS = 160


def _definitions(language: LanguageSpec, tree: tree_sitter.Tree) -> list[_Definition]:
    found = []
    for _, match in tree_sitter.QueryCursor(language.queries.definitions).matches(tree.root_node):
        for capture, nodes in match.items():
            if capture.startswith("definition."):
                found.append(
                    _Definition(
                        kind=capture.removeprefix("definition."),
                        name=_node_text(match["name"][0]),
                        node=nodes[0],
                        body=match["body"][0],
                    )
                )
    return sorted(found, key=lambda d: d.node.start_byte)


def _constants(
    language: LanguageSpec, tree: tree_sitter.Tree, used: set[str], first: int, last: int
) -> list[str]:
    """Module-level assignments to names the target uses, each cut to its first line."""
    found: list[str] = []
    if language.queries.constants is None:
        return found
    for _, match in tree_sitter.QueryCursor(language.queries.constants).matches(tree.root_node):
        node = match["constant"][0]
        if _node_text(match["name"][0]) not in used or first <= node.start_point.row <= last:
            continue
        text = _node_text(node)
        line = text.split("\n", 1)[0]
        if len(line) > MAX_CONSTANT_CHARS:
            line = line[:MAX_CONSTANT_CHARS]
        found.append(line + (" …" if line != text else ""))
    return found


def _innermost(
    definitions: list[_Definition], first: int, last: int, strict: bool
) -> _Definition | None:
    """The smallest definition covering lines first..last (strictly larger when `strict`)."""
    best = None
    for definition in definitions:
        start, end = definition.node.start_point.row, definition.node.end_point.row
        covers = start <= first and last <= end
        if strict and (start, end) == (first, last):
            covers = False
        if covers and (
            best is None or end - start < best.node.end_point.row - best.node.start_point.row
        ):
            best = definition
    return best


def _names_used(
    language: LanguageSpec,
    tree: tree_sitter.Tree,
    source: bytes,
    text: str,
    first: int,
    last: int,
) -> set[str]:
    lines = split_lines(text)
    start = byte_offset(text, offset_of(text, Range.of_lines(first, last).start))
    end = start + len("".join(lines[first : last + 1]).encode("utf-8"))
    cursor = tree_sitter.QueryCursor(language.queries.references)
    cursor.set_byte_range(start, end)
    names: set[str] = set()
    for nodes in cursor.captures(tree.root_node).values():
        names.update(_node_text(node) for node in nodes)
    return names


def _signature(language: LanguageSpec, definition: _Definition, source: bytes) -> str:
    """The header up to the body, plus the docstring's first line."""
    node = definition.node
    header = source[node.start_byte : definition.body.start_byte].decode("utf-8", "replace")
    header = header.rstrip()
    indent = " " * node.start_point.column
    docstring = ""
    if language.queries.docstrings is None:
        return f"{indent}{header}"
    cursor = tree_sitter.QueryCursor(language.queries.docstrings)
    cursor.set_byte_range(node.start_byte, definition.body.end_byte)
    for doc in cursor.captures(node).get("docstring", []):
        if doc.parent is not None and doc.parent.parent == definition.body:
            first_line = _node_text(doc).strip("\"' \n").splitlines()
            if first_line:
                docstring = f'\n{indent}    """{first_line[0].strip()}"""'
            break
    return f"{indent}{header}{docstring}\n{indent}    ..."


def _indent_first_line(code: str, node: tree_sitter.Node, source: bytes) -> str:
    line_start = source.rfind(b"\n", 0, node.start_byte) + 1
    prefix = source[line_start : node.start_byte].decode("utf-8", "replace")
    return (prefix + code) if not prefix.strip() else code


def _captures(
    query: tree_sitter.Query, node: tree_sitter.Node, name: str
) -> list[tree_sitter.Node]:
    nodes = tree_sitter.QueryCursor(query).captures(node).get(name, [])
    return sorted(nodes, key=lambda n: n.start_byte)


def _node_text(node: tree_sitter.Node) -> str:
    return node.text.decode("utf-8", errors="replace") if node.text else ""
