"""Where the proposals disagree, aligned to the original's lines: a diff3 over normalised code.

Normalisation. Each version (the original target and every proposal) is parsed with the language's
tree-sitter grammar and reduced to *logical lines* of tokens. Everything language-specific is data:
`LanguageSpec.normalisation` names node types, and the language's `bindings` query
(`languages/<lang>/queries/bindings.scm`) marks its locals.

* Tokens are the tree's leaves. `ignored` nodes (comments, line continuations, `;`) are dropped;
  `atoms` (string contents) are one token each; the quote characters of `string_delimiters` are
  made alike, so `'a'`, `"a"` and `'''a'''` are the same while a prefix (f, r, b) stays
  significant; text a grammar leaves between children (a format spec) is a token too; a `,` right
  before the closing bracket of a `trailing_commas` node is dropped.
* A logical line is a statement: one starts at each child of a `blocks` node (module, block) and
  after a block ends. Breaks inside brackets or after a backslash are not boundaries, so a statement
  split over two lines equals the one-line version, and `if c: x` equals its two-line form. Each
  logical line keeps the real lines it spans, so spans and texts are real lines, with blank and
  comment lines inside a region included. Languages without `blocks` get one statement per line.
* Locals are the names the bindings query marks as bound in a function-like `@scope` (parameters,
  assignment, for, with/except, comprehension and walrus targets), unless declared global or
  nonlocal there. Attributes, keyword-argument names, globals and called functions stay
  significant. A proposal's locals are matched to the original's: logical lines that are equal
  with every local masked vote for name pairs (most votes first); the locals left are new and are
  numbered by order of first binding. So a consistent renaming is no difference, two proposals
  that add the same helper under different names agree, and a proposal that adds one local does
  not renumber all the others (as plain numbering by first binding would).
* Lines covered by an ERROR or MISSING node (and statements touching them) fall back to their
  whitespace-normalised text, one logical line per real line; nothing here raises on bad code.

Alignment. difflib.SequenceMatcher aligns the original's logical lines with each proposal's; the
changed original spans of all proposals merge when they overlap or touch; each merged span is
projected into every proposal; a span where all proposals read the same is dropped (they agree),
and lines all proposals share at the start or end of a region are trimmed from it (from the
original's span too when it has those lines or every version rewrote the span line for line).
Parsing and the tree walk dominate: two 200-line proposals take about 15-30 ms.

Known limits: a statement is the unit, so one differing element of a long literal or call marks the
whole statement; redundant parentheses, numeric spellings (1_000 / 1000), escapes versus the other
quote ('it\\'s' / "it's") and docstring wording are differences; locals are matched by name over the
whole snippet, not per scope; lines of a function body selected without their `def` are module
level, so their names are not locals; Python match-statement captures are not renamed.
"""

from __future__ import annotations

import difflib
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import tree_sitter

from counterpoint.languages import LanguageSpec
from counterpoint.model.text import split_lines

_SEP = "\x1f"  # between the tokens of a line key
_MASK = "\x01"  # a local, in the keys that pair names
_LOCAL = "\x02"  # prefix of a local named as in the original
_NEW = "\x03"  # prefix of a local only the proposal has, numbered by first binding
_RAW = "\x04"  # prefix of a line compared as whitespace-normalised text (it did not parse)


@dataclass(frozen=True)
class Region:
    original: tuple[int, int]  # 0-based, half-open line span inside the ORIGINAL target code
    versions: dict[str, tuple[int, int]]  # proposal id -> 0-based half-open span in its code
    original_text: str  # the original lines of the region (may be "" for a pure insertion)
    texts: dict[str, str]  # proposal id -> that proposal's lines for the region


def diverging_regions(
    original: str, proposals: Mapping[str, str], language: LanguageSpec
) -> list[Region]:
    """Where the proposals differ from each other, aligned to the original's lines (a diff3).
    Differences only in formatting, comments or string quote style are not regions; locals
    renamed consistently (parameters and assignment targets inside a function) are the same code."""
    parser = language.parser()
    base = _normalise(original, language, parser)
    base_keys = base.keys(base.own_names())
    versions = {pid: _normalise(code, language, parser) for pid, code in proposals.items()}
    keys = {pid: v.keys(_pair_locals(base, v)) for pid, v in versions.items()}

    opcodes: dict[str, Sequence[tuple[str, int, int, int, int]]] = {}
    changes: list[tuple[int, int]] = []
    for pid, proposal_keys in keys.items():
        matcher = difflib.SequenceMatcher(None, base_keys, proposal_keys, autojunk=False)
        opcodes[pid] = matcher.get_opcodes()
        changes += [(i1, i2) for tag, i1, i2, _, _ in opcodes[pid] if tag != "equal"]

    regions = []
    for start, end in _merge(changes):
        spans = {pid: _project(opcodes[pid], start, end) for pid in keys}
        slices = {pid: keys[pid][j1:j2] for pid, (j1, j2) in spans.items()}
        if len({tuple(lines) for lines in slices.values()}) <= 1:
            continue  # every proposal reads the same here
        head, tail = _common_ends(list(slices.values()))
        spans = {pid: (j1 + head, j2 - tail) for pid, (j1, j2) in spans.items()}
        start, end = _trim_original(base_keys, start, end, slices, head, tail)
        regions.append(
            Region(
                original=base.span(start, end),
                versions={pid: versions[pid].span(j1, j2) for pid, (j1, j2) in spans.items()},
                original_text=base.text(start, end),
                texts={pid: versions[pid].text(j1, j2) for pid, (j1, j2) in spans.items()},
            )
        )
    return regions


def equivalent(a: str, b: str, language: LanguageSpec) -> bool:
    """Same code after normalisation (formatting, comments, quotes, renamed locals)."""
    parser = language.parser()
    first, second = _normalise(a, language, parser), _normalise(b, language, parser)
    return first.keys(first.own_names()) == second.keys(_pair_locals(first, second))


# --- normalised versions ---------------------------------------------------------------------


@dataclass
class _Line:
    tokens: list[str]
    local_at: list[int]  # indexes of tokens that are locals
    first: int  # first real line
    last: int  # last real line, inclusive

    def key(self, names: Mapping[str, str], mask: bool = False) -> str:
        tokens = list(self.tokens)
        for index in self.local_at:
            tokens[index] = _MASK if mask else names[tokens[index]]
        return _SEP.join(tokens)


@dataclass
class _Version:
    raw: list[str]  # the real lines, with their endings
    lines: list[_Line]
    locals: list[str]  # local names, in order of first binding

    def own_names(self) -> dict[str, str]:
        return {name: _LOCAL + name for name in self.locals}

    def keys(self, names: Mapping[str, str]) -> list[str]:
        return [line.key(names) for line in self.lines]

    def span(self, start: int, end: int) -> tuple[int, int]:
        """Real lines of logical lines start..end. An empty span (an insertion point) sits just
        before the next logical line, or after the last one at the end."""
        if start < end:
            return self.lines[start].first, self.lines[end - 1].last + 1
        if start < len(self.lines):
            row = self.lines[start].first
        else:
            row = self.lines[-1].last + 1 if self.lines else 0
        return row, row

    def text(self, start: int, end: int) -> str:
        first, last = self.span(start, end)
        return "".join(self.raw[first:last])


class _Scope:
    __slots__ = ("bound", "globals", "keep", "nonlocals", "parent")

    def __init__(self, parent: _Scope | None, keep: bool) -> None:
        self.parent = parent
        self.keep = keep
        self.bound: dict[str, int] = {}  # name -> order of its first binding
        self.globals: set[str] = set()
        self.nonlocals: set[str] = set()


_ENTER, _STATEMENT, _BREAK, _POP, _GAP = range(5)  # work items of the walk
_Item = tuple[int, "tree_sitter.Node | tuple[int, int] | None"]


def _normalise(code: str, language: LanguageSpec, parser: tree_sitter.Parser) -> _Version:
    rules = language.normalisation
    raw = split_lines(code)
    source = code.replace("\r\n", "\n").replace("\r", "\n").encode("utf-8")
    root = parser.parse(source).root_node
    captures: dict[str, list[tree_sitter.Node]] = {}
    if rules.bindings and language.queries.bindings is not None:
        captures = tree_sitter.QueryCursor(language.queries.bindings).captures(root)

    def ids(name: str) -> set[int]:
        return {node.id for node in captures.get(name, [])}

    scopes, keep_scopes, bindings, members = (
        ids("scope"),
        ids("scope.keep"),
        ids("binding"),
        ids("member"),
    )
    globals_, nonlocals = ids("global"), ids("nonlocal")
    scope_types = {n.type for n in (*captures.get("scope", []), *captures.get("scope.keep", []))}
    ignored, delimiters, atoms = set(rules.ignored), set(rules.string_delimiters), set(rules.atoms)
    blocks, trailing, identifiers = (
        set(rules.blocks),
        set(rules.trailing_commas),
        set(rules.identifiers),
    )
    quotes = str.maketrans("", "", rules.quotes)
    has_errors = root.has_error

    tokens: list[str] = []
    rows: list[tuple[int, int]] = []
    groups: list[list[int]] = [[]]
    names: list[tuple[int, str, _Scope]] = []  # token index, name, scope it is used in
    broken: set[int] = set()  # real lines that did not parse
    pending = False  # the next token starts a statement
    order = 0
    module = scope = _Scope(None, keep=True)

    stack: list[_Item] = [(_ENTER, root)]
    while stack:
        kind, item = stack.pop()
        if kind == _BREAK:
            pending = True
            continue
        if kind == _POP:
            scope = scope.parent or module
            continue
        if isinstance(item, tuple):  # text between children that no child covers
            at, end = item
            gap = source[at:end]
            first = source.count(b"\n", 0, at + len(gap) - len(gap.lstrip()))
            text = " ".join(gap.decode("utf-8", "replace").split())
        else:
            assert item is not None
            node = item
            if kind == _STATEMENT:
                pending = True
            node_type = node.type
            if has_errors and (node.is_error or node.is_missing):
                first, (last, column) = node.start_point.row, node.end_point
                broken.update(range(first, last if last > first and column == 0 else last + 1))
                continue
            if node_type in ignored:
                continue
            if node.child_count and node_type not in atoms and node_type not in delimiters:
                if node_type in scope_types and (node.id in scopes or node.id in keep_scopes):
                    scope = _Scope(scope, keep=node.id in keep_scopes)
                    stack.append((_POP, None))  # after the children
                stack.extend(_expand(node, source, node_type in blocks, node_type in trailing))
                continue
            text = node.text.decode("utf-8", "replace") if node.text else ""
            if not text:
                continue  # zero-width leaves
            first = node.start_point.row
            if node_type in delimiters:
                text = text.translate(quotes) + '"'
        if (pending or (not blocks and rows and first > rows[-1][1])) and groups[-1]:
            groups.append([])
        pending = False
        index = len(tokens)
        tokens.append(text)
        rows.append((first, first + text.count("\n")))
        groups[-1].append(index)
        if isinstance(item, tree_sitter.Node) and node_type in identifiers:
            node_id = item.id
            if node_id in members:
                continue
            if node_id in bindings:
                scope.bound.setdefault(text, order)
                order += 1
            elif node_id in globals_:
                scope.globals.add(text)
            elif node_id in nonlocals:
                scope.nonlocals.add(text)
            names.append((index, text, scope))

    local = [False] * len(tokens)
    first_binding: dict[str, int] = {}
    for index, name, used_in in names:
        bound_in = _resolve(name, used_in)
        if bound_in is not None:
            local[index] = True
            first_binding[name] = min(first_binding.get(name, order), bound_in.bound[name])

    lines = _lines(raw, tokens, rows, groups, local, broken)
    return _Version(raw, lines, sorted(first_binding, key=lambda n: (first_binding[n], n)))


def _expand(node: tree_sitter.Node, source: bytes, block: bool, trailing: bool) -> list[_Item]:
    """Work items for a node's children, last first: gaps with text, and each child (a statement
    when the node is a block), without a trailing comma the language ignores."""
    children = node.children
    dropped = -1
    if trailing and len(children) >= 3 and children[-2].type == "," and not children[-1].is_named:
        dropped = len(children) - 2
    child_kind = _STATEMENT if block else _ENTER
    items: list[_Item] = [(_BREAK, None)] if block else []  # what follows a block is a statement
    at = node.end_byte
    for n in range(len(children) - 1, -1, -1):
        child = children[n]
        end = child.end_byte
        if end < at and source[end:at].strip():
            items.append((_GAP, (end, at)))
        if n != dropped:
            items.append((child_kind, child))
        start = child.start_byte
        if start < at:
            at = start
    if node.start_byte < at and source[node.start_byte : at].strip():
        items.append((_GAP, (node.start_byte, at)))
    return items


def _resolve(name: str, scope: _Scope) -> _Scope | None:
    """The function-like scope that binds a name used in `scope`, or None when it is not local."""
    current: _Scope | None = scope
    innermost = True
    while current is not None:
        if name in current.globals:
            return None
        if name in current.nonlocals or (current.keep and not innermost and current.parent):
            current, innermost = current.parent, False  # class bodies are not enclosing scopes
            continue
        if name in current.bound:
            return None if current.keep else current
        current, innermost = current.parent, False
    return None


def _lines(
    raw: list[str],
    tokens: list[str],
    rows: list[tuple[int, int]],
    groups: list[list[int]],
    local: list[bool],
    broken: set[int],
) -> list[_Line]:
    spans = [
        (rows[group[0]][0], max(rows[i][1] for i in group)) if group else (0, -1)
        for group in groups
    ]
    alive = [bool(group) for group in groups]
    changed = bool(broken)
    while changed:  # a statement touching a line that did not parse falls back too
        changed = False
        for n, (first, last) in enumerate(spans):
            if alive[n] and any(row in broken for row in range(first, last + 1)):
                alive[n] = False
                broken.update(range(first, last + 1))
                changed = True
    lines = []
    for n, group in enumerate(groups):
        if alive[n]:
            texts = [tokens[i] for i in group]
            at = [k for k, i in enumerate(group) if local[i]]
            lines.append(_Line(texts, at, *spans[n]))
    for row in sorted(broken):
        text = " ".join(raw[row].split()) if row < len(raw) else ""
        if text:
            lines.append(_Line([_RAW + text], [], row, row))
    lines.sort(key=lambda line: line.first)  # stable: statements sharing a line keep their order
    return lines


def _text(node: tree_sitter.Node) -> str:
    return node.text.decode("utf-8", "replace") if node.text else ""


# --- locals ----------------------------------------------------------------------------------


def _pair_locals(base: _Version, other: _Version) -> dict[str, str]:
    """Names for `other`'s locals: the original's name where lines equal but for locals pair them,
    else a number by order of first binding among the locals only `other` has."""
    votes: Counter[tuple[str, str]] = Counter()
    if base.locals and other.locals:
        masked_base = [line.key({}, mask=True) for line in base.lines]
        masked_other = [line.key({}, mask=True) for line in other.lines]
        matcher = difflib.SequenceMatcher(None, masked_base, masked_other, autojunk=False)
        for a, b, size in matcher.get_matching_blocks():
            for k in range(size):
                base_line, other_line = base.lines[a + k], other.lines[b + k]
                for index in base_line.local_at:
                    votes[(other_line.tokens[index], base_line.tokens[index])] += 1
    names: dict[str, str] = {}
    taken: set[str] = set()
    for (theirs, ours), _ in sorted(votes.items(), key=lambda vote: (-vote[1], vote[0])):
        if theirs not in names and ours not in taken:
            names[theirs] = _LOCAL + ours
            taken.add(ours)
    fresh = 0
    for name in other.locals:
        if name not in names:
            names[name] = f"{_NEW}{fresh}"
            fresh += 1
    return names


# --- alignment -------------------------------------------------------------------------------


def _merge(changes: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Original spans changed by any proposal, merged where they overlap or touch."""
    merged: list[tuple[int, int]] = []
    for start, end in sorted(changes):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def _project(
    opcodes: Sequence[tuple[str, int, int, int, int]], start: int, end: int
) -> tuple[int, int]:
    """The proposal's lines for the original's lines start..end (a union of its changes)."""
    j_start = j_end = None
    for tag, i1, i2, j1, j2 in opcodes:
        if j_start is None and i1 <= start <= i2:
            j_start = j1 + (start - i1) if tag == "equal" else j1
        if i1 <= end <= i2:
            j_end = j1 + (end - i1) if tag == "equal" else j2
    j_start = j_start or 0
    return j_start, max(j_start, j_end or 0)


def _common_ends(slices: list[list[str]]) -> tuple[int, int]:
    """How many lines all slices share at their start, then at their end."""
    shortest = min(len(lines) for lines in slices)
    head = 0
    while head < shortest and len({lines[head] for lines in slices}) == 1:
        head += 1
    tail = 0
    while tail < shortest - head and len({lines[-1 - tail] for lines in slices}) == 1:
        tail += 1
    return head, tail


def _trim_original(
    base_keys: list[str],
    start: int,
    end: int,
    slices: Mapping[str, list[str]],
    head: int,
    tail: int,
) -> tuple[int, int]:
    """The original's span without the proposals' common first and last lines: those it has too,
    or all of them when every version rewrote the region line for line."""
    if all(len(lines) == end - start for lines in slices.values()):
        return start + head, end - tail
    sample = next(iter(slices.values()))
    while head and start < end and base_keys[start] == sample[0]:
        start, head, sample = start + 1, head - 1, sample[1:]
    while tail and start < end and base_keys[end - 1] == sample[-1]:
        end, tail, sample = end - 1, tail - 1, sample[:-1]
    return start, end
