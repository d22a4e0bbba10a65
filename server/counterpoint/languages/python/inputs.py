"""Inputs on which to compare two Python versions, searched with Hypothesis.

Only data is generated here, in the server; no proposal runs in this process. The arguments
become literal calls that the sandboxed harness (scripts/differential.py) makes on every version.
Each parameter gets a strategy, most trusted first:
- "derived": the shape and values its examples show, recursively (lists of lists, dicts, tuples,
  the characters of the strings, integers near the ones seen, keeping to their sign and to the
  smallest sizes and numbers they show, see `_least`);
- "typed": its type hint (`list[int]`, `Optional[str]`, `dict[str, list[int]]`...), read from the
  annotation's syntax tree, never evaluated; values kept small, so a call stays within the
  probe's time budget;
- "general": small values of the common kinds (small integers, short lists, short strings), for
  a parameter with neither examples nor a readable hint.
Generation is derandomized: the same function and examples give the same calls on every run,
so a cached result and a re-run agree.
"""

from __future__ import annotations

import ast
import atexit
import contextlib
import shutil
import tempfile
import threading
from collections.abc import Iterator, Sequence
from typing import Any
from unittest import mock

from hypothesis import HealthCheck, Phase, Verbosity, given, settings
from hypothesis import strategies as st
from hypothesis.configuration import set_hypothesis_home_dir
from hypothesis.errors import HypothesisException
from hypothesis.internal.conjecture.providers import HypothesisProvider
from hypothesis.internal.constants_ast import Constants

# The largest annotation read as a strategy; a bigger one counts as unreadable ("general").
MAX_HINT_CHARS, MAX_HINT_NESTING, MAX_HINT_NODES = 300, 4, 60
# Jobs search from worker threads; one search at a time keeps Hypothesis' state to one.
_ONE_SEARCH_AT_A_TIME = threading.Lock()
MAX_RENDERED = 400  # characters of one argument list: longer calls are not worth the budget
SMALL_INT = st.integers(-10, 10)
GENERAL_INTS = st.one_of(SMALL_INT, st.integers(-1000, 1000))
GENERAL_TEXT = st.one_of(
    st.text("ab AB1", max_size=6), st.text(st.characters(min_codepoint=32, max_codepoint=126))
)
# Small values of the kinds an untyped function most often takes.
GENERAL: st.SearchStrategy[Any] = st.one_of(
    SMALL_INT,
    st.lists(SMALL_INT, max_size=6),
    st.text("abc ", max_size=6),
    st.booleans(),
    st.floats(-10, 10, allow_nan=False, allow_infinity=False),
    st.none(),
    st.lists(st.text("abc", max_size=3), max_size=4),
)
# A hint's leaf names and a bounded strategy for each.
LEAVES: dict[str, st.SearchStrategy[Any]] = {
    "int": GENERAL_INTS,
    "float": st.floats(-1000, 1000, allow_nan=False, allow_infinity=False),
    "bool": st.booleans(),
    "str": GENERAL_TEXT,
    "bytes": st.binary(max_size=8),
    "None": st.none(),
    "NoneType": st.none(),
    "Any": GENERAL,
    "object": GENERAL,
}
# Builtin types a hint may name that have no bounded leaf above: Hypothesis resolves them.
FROM_TYPE: dict[str, type] = {"complex": complex, "bytearray": bytearray}
SEQUENCES = {"list", "List", "Sequence", "Iterable", "MutableSequence", "Collection"}
SETS = {"set", "Set", "frozenset", "FrozenSet", "AbstractSet"}
MAPPINGS = {"dict", "Dict", "Mapping", "MutableMapping"}


def hint_strategy(hint: str | None) -> st.SearchStrategy[Any] | None:
    """A strategy for a parameter's annotation text, or None when it names something else (a
    class of the project, a type variable): the annotation is parsed, not evaluated."""
    if not hint or len(hint) > MAX_HINT_CHARS:
        return None
    try:
        node = ast.parse(hint, mode="eval").body
    except (SyntaxError, ValueError, MemoryError, RecursionError):
        return None
    if _nesting(node) > MAX_HINT_NESTING or sum(1 for _ in ast.walk(node)) > MAX_HINT_NODES:
        return None  # the repository's hint could make building and drawing take minutes
    return _from_annotation(node)


def _nesting(node: ast.expr) -> int:
    """How many generics deep an annotation goes: `dict[str, list[int]]` is 2."""
    inner = max((_nesting(child) for child in ast.iter_child_nodes(node)), default=0)  # type: ignore[arg-type]
    return inner + 1 if isinstance(node, ast.Subscript) else inner


def _name(node: ast.expr) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
        return node.attr  # typing.List, collections.abc.Sequence's last part
    if isinstance(node, ast.Attribute):
        return node.attr
    if isinstance(node, ast.Constant) and node.value is None:
        return "None"
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value  # a quoted forward reference such as "int"
    return None


def _from_annotation(node: ast.expr) -> st.SearchStrategy[Any] | None:
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.BitOr):
        parts = [_from_annotation(node.left), _from_annotation(node.right)]
        return st.one_of(*parts) if all(p is not None for p in parts) else None  # type: ignore[arg-type]
    if isinstance(node, ast.Subscript):
        return _from_generic(node)
    name = _name(node)
    if name is None:
        return None
    if isinstance(node, ast.Constant) and isinstance(node.value, str) and name != "None":
        return hint_strategy(name)
    if name in LEAVES:
        return LEAVES[name]
    if name in FROM_TYPE:
        return st.from_type(FROM_TYPE[name])
    if name in SEQUENCES | {"tuple", "Tuple"}:
        return st.lists(GENERAL_INTS, max_size=6).map(tuple if "uple" in name else list)
    if name in MAPPINGS:
        return st.dictionaries(GENERAL_TEXT, GENERAL_INTS, max_size=4)
    if name in SETS:
        return st.sets(GENERAL_INTS, max_size=6)
    return None


def _from_generic(node: ast.Subscript) -> st.SearchStrategy[Any] | None:
    name = _name(node.value)
    arguments = list(node.slice.elts) if isinstance(node.slice, ast.Tuple) else [node.slice]
    if name in ("Tuple", "tuple") and len(arguments) == 2 and _is_ellipsis(arguments[1]):
        element = _from_annotation(arguments[0])
        return st.lists(element, max_size=5).map(tuple) if element is not None else None
    inner = present([_from_annotation(a) for a in arguments])
    if inner is None:
        return None
    if name == "Optional" and len(inner) == 1:
        return st.one_of(st.none(), inner[0])
    if name == "Union":
        return st.one_of(*inner)
    if name in ("Tuple", "tuple"):
        return st.tuples(*inner)
    if name in SEQUENCES and len(inner) == 1:
        return st.lists(inner[0], max_size=6)
    if name in SETS and len(inner) == 1:
        return (
            st.frozensets(inner[0], max_size=6)
            if "rozen" in name
            else st.sets(inner[0], max_size=6)
        )
    if name in MAPPINGS and len(inner) == 2:
        return st.dictionaries(inner[0], inner[1], max_size=4)
    return None


def _is_ellipsis(node: ast.expr) -> bool:
    return isinstance(node, ast.Constant) and node.value is Ellipsis


def present(
    strategies: Sequence[st.SearchStrategy[Any] | None],
) -> list[st.SearchStrategy[Any]] | None:
    """The strategies, or None when any part has none."""
    found = [s for s in strategies if s is not None]
    return found if len(found) == len(strategies) else None


def example_strategy(observed: Sequence[Any]) -> st.SearchStrategy[Any] | None:
    """Values like the ones an argument takes in its examples: the same kinds and shapes,
    recursively, staying within what they show (sign, characters, emptiness)."""
    groups: dict[str, list[Any]] = {}
    for value in observed:
        groups.setdefault(_kind(value), []).append(value)
    made = [s for kind, values in groups.items() if (s := _like(kind, values)) is not None]
    return st.one_of(*made) if made else None


def _kind(value: Any) -> str:
    if isinstance(value, tuple):
        return f"tuple{len(value)}"
    return type(value).__name__


def _like(kind: str, values: list[Any]) -> st.SearchStrategy[Any] | None:
    first = values[0]
    if isinstance(first, bool):
        return st.booleans()
    if isinstance(first, int):
        low, high = _range(values, lowest_natural=LOWEST_WHOLE)
        return st.integers(int(low), int(high))
    if isinstance(first, float):
        low, high = _range(values)
        return st.floats(low, high, allow_nan=False, allow_infinity=False)
    if isinstance(first, str):
        alphabet = sorted({c for text in values for c in text})
        longest = max(map(len, values))
        if not alphabet:
            return st.just("")
        return st.text(alphabet, min_size=_least(values), max_size=longest + 2)
    if isinstance(first, bytes):
        seen = sorted({b for data in values for b in data})
        if not seen:
            return st.just(b"")
        sizes = (_least(values), max(map(len, values)) + 2)
        return st.lists(st.sampled_from(seen), min_size=sizes[0], max_size=sizes[1]).map(bytes)
    if isinstance(first, (list, set, frozenset)):
        elements = example_strategy([e for v in values for e in v])
        if elements is None:
            return st.just(type(first)())
        least, most = _least(values, fewest=FEWEST_ELEMENTS), max(map(len, values)) + 2
        if isinstance(first, list):
            return st.lists(elements, min_size=least, max_size=most)
        if isinstance(first, frozenset):
            return st.frozensets(elements, min_size=least, max_size=most)
        return st.sets(elements, min_size=least, max_size=most)
    if isinstance(first, tuple):
        parts = present([example_strategy([v[i] for v in values]) for i in range(len(first))])
        return st.tuples(*parts) if parts is not None else None
    if isinstance(first, dict):
        keys = example_strategy([k for v in values for k in v])
        items = example_strategy([x for v in values for x in v.values()])
        if keys is None or items is None:
            return st.just({})
        longest = max(map(len, values))
        least = _least(values, fewest=FEWEST_ELEMENTS)
        return st.dictionaries(keys, items, min_size=least, max_size=longest + 2)
    if first is None:
        return st.none()
    return None


# Where preconditions bite ("n > 1", "a non-empty list", "of length at least two"), values are
# kept to what the examples show: a derived collection is as short as the shortest example, up
# to `fewest`, and a derived whole number goes below 2 only if an example does. The typed and
# general strategies still reach the empty and the zero, as differences that deny no agreement.
FEWEST_ELEMENTS = 2
LOWEST_WHOLE = 2


def _least(values: Sequence[Any], fewest: int = 1) -> int:
    """The fewest elements or characters: no fewer than the shortest example has, up to
    `fewest` (so empty only if an example is empty)."""
    return min(fewest, *map(len, values))


def _range(values: Sequence[float], lowest_natural: float = 1) -> tuple[float, float]:
    """Numbers near the ones seen, keeping to the sign the examples show; non-negative ones go
    no lower than `lowest_natural` unless an example does."""
    low, high = min(values), max(values)
    span = max(2, abs(high), abs(low), high - low)
    floor = min(lowest_natural, low) if low >= 0 else low - span
    return max(floor, low - span), high + span


def fits(value: Any, observed: Sequence[Any]) -> bool:
    """Whether `value` is one `example_strategy(observed)` could draw: the same kinds, within
    the same bounds, recursively. Shrinking a difference found on such a value keeps to it."""
    groups: dict[str, list[Any]] = {}
    for seen in observed:
        groups.setdefault(_kind(seen), []).append(seen)
    values = groups.get(_kind(value))
    return values is not None and _fits_like(value, values)


def _fits_like(value: Any, values: list[Any]) -> bool:
    first = values[0]
    if isinstance(first, bool) or first is None:
        return True
    if isinstance(first, (int, float)):
        low, high = _range(values, lowest_natural=LOWEST_WHOLE if isinstance(first, int) else 1)
        return low <= value <= high
    if isinstance(first, (str, bytes)):
        seen = {c for text in values for c in text}
        return len(value) >= _least(values) and all(c in seen for c in value)
    if isinstance(first, tuple):
        return all(fits(v, [seen[i] for seen in values]) for i, v in enumerate(value))
    if isinstance(first, dict):
        keys = [k for seen in values for k in seen]
        items = [x for seen in values for x in seen.values()]
        return len(value) >= _least(values, fewest=FEWEST_ELEMENTS) and all(
            fits(k, keys) and fits(x, items) for k, x in value.items()
        )
    elements = [e for seen in values for e in seen]
    least = _least(values, fewest=FEWEST_ELEMENTS)
    return len(value) >= least and all(fits(e, elements) for e in value)


def general_arguments(arity: int) -> st.SearchStrategy[tuple[Any, ...]]:
    """Arguments for a function with neither examples nor hints: as often all small integers
    (most such functions count or index) as small values of any common kind."""
    return st.one_of(st.tuples(*[SMALL_INT] * arity), st.tuples(*[GENERAL] * arity))


def calls_searched(
    name: str, arguments: st.SearchStrategy[tuple[Any, ...]], count: int
) -> list[str]:
    """Up to `count` distinct literal calls of `name`, their arguments drawn by Hypothesis with
    a fixed seed, simplest first: Hypothesis starts from the simplest value of each strategy,
    and the calls are then ordered by size."""
    drawn: dict[str, None] = {}

    def keep(arguments: tuple[Any, ...]) -> None:
        rendered = _rendered(name, arguments)
        if rendered is not None:
            drawn.setdefault(rendered, None)

    search = given(arguments)(keep)
    run = settings(
        derandomize=True,
        database=None,
        max_examples=count,
        deadline=None,
        phases=[Phase.generate],
        verbosity=Verbosity.quiet,  # stdout is the LSP stream
        suppress_health_check=list(HealthCheck),
    )(search)
    # A strategy that cannot produce values gives what was drawn so far.
    with (
        _ONE_SEARCH_AT_A_TIME,
        _in_private_storage(),
        _without_local_constants(),
        contextlib.suppress(HypothesisException),
    ):
        run()
    return sorted(drawn, key=call_size)[:count]


_storage: list[str] = []  # this process's private directory for Hypothesis' caches


@contextlib.contextmanager
def _in_private_storage() -> Iterator[None]:
    """Hypothesis caches data (its Unicode tables) under `.hypothesis/` in the working
    directory, which for an editor's server is the user's workspace: point it at a private
    directory of this process, removed at exit."""
    if not _storage:
        _storage.append(tempfile.mkdtemp(prefix="counterpoint-hypothesis-"))
        atexit.register(shutil.rmtree, _storage[0], ignore_errors=True)
        set_hypothesis_home_dir(_storage[0])
    yield


@contextlib.contextmanager
def _without_local_constants() -> Iterator[None]:
    """Hypothesis also draws constants it finds in the loaded modules that are not installed
    packages (ours, in a checkout), and caches them under `.hypothesis/` in the working
    directory (the user's workspace). Which modules are loaded changes during a session, so the
    same search would draw other calls: searches draw from their strategies alone, and write
    nothing. The attribute is Hypothesis' own (6.x); where it is missing, nothing is changed."""
    if not hasattr(HypothesisProvider, "_local_constants"):
        yield
        return
    with mock.patch.object(HypothesisProvider, "_local_constants", Constants()):
        yield


def call_size(call: str) -> tuple[int, str]:
    """How big a call's input is, the order in which differences are reported: a shorter
    rendering first, then by text, so the report shows the smallest difference found."""
    return len(call), call


def _rendered(name: str, arguments: tuple[Any, ...]) -> str | None:
    """The call as source, or None when it is too long or an argument's repr is no literal
    (`nan`, `inf`): the harness evaluates the text, and a name there would fail every version."""
    shown = ", ".join(_literal(a) for a in arguments)
    if len(shown) > MAX_RENDERED:
        return None
    call = f"{name}({shown})"
    try:
        tree = ast.parse(call, mode="eval")
    except (SyntaxError, ValueError, RecursionError):
        return None
    callees = {id(n.func) for n in ast.walk(tree) if isinstance(n, ast.Call)}
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and (
            id(node) not in callees or node.id not in {name, "set", "frozenset"}
        ):
            return None
    return call


def _literal(value: Any) -> str:
    """Python source for a value (`set()` for an empty set); the harness evaluates it."""
    return repr(value)


MAX_SHRINK_CANDIDATES = 60
PER_PART = 8  # elements or characters of one value tried one at a time


def smaller_calls(
    name: str, arguments: tuple[Any, ...], within: Sequence[Sequence[Any]] = ()
) -> list[str]:
    """Calls one step simpler than `name(*arguments)`, simplest first: one argument at a time
    made smaller (fewer elements or characters, numbers nearer zero). Shrinking a difference
    runs these on every version and keeps the simplest on which they still differ. `within`:
    each parameter's example values, when the simpler arguments must stay like them."""
    size = input_size(arguments)
    found: dict[str, tuple[tuple[int, float], str]] = {}
    for index, value in enumerate(arguments):
        for simpler in _simpler(value):
            if within and not fits(simpler, within[index]):
                continue
            changed = (*arguments[:index], simpler, *arguments[index + 1 :])
            rendered = _rendered(name, changed)
            changed_size = input_size(changed)
            if rendered is not None and changed_size < size:
                found.setdefault(rendered, (changed_size, rendered))
    return sorted(found, key=found.__getitem__)[:MAX_SHRINK_CANDIDATES]


def input_size(value: Any) -> tuple[int, float]:
    """How simple a value is, as Hypothesis orders them: fewer elements and characters first,
    then numbers nearer zero (a positive before its negative) and earlier characters."""
    if isinstance(value, bool):
        return 0, int(value)
    if isinstance(value, (int, float)):
        return 0, abs(value) * 2 + (value < 0)
    if isinstance(value, (str, bytes)):
        return len(value), sum(value if isinstance(value, bytes) else map(ord, value))
    if isinstance(value, dict):
        value = [*value.keys(), *value.values()]
    if isinstance(value, (list, tuple, set, frozenset)):
        parts = [input_size(v) for v in value]
        return len(value) + sum(p[0] for p in parts), sum(p[1] for p in parts)
    return 0, 0


def _simpler(value: Any) -> list[Any]:
    if isinstance(value, bool):
        return [False] if value else []
    if isinstance(value, int):
        return [0, 1, -1, int(value / 2), value - 1 if value > 0 else value + 1, abs(value)]
    if isinstance(value, float):
        return [0.0, float(int(value)), value / 2, abs(value)]
    if isinstance(value, (str, bytes)):
        return _simpler_text(value)
    if isinstance(value, (list, tuple)):
        shrunk = [
            type(value)([*value[:i], simpler, *value[i + 1 :]])
            for i in range(min(len(value), PER_PART))
            for simpler in _simpler(value[i])[:3]
        ]
        return shrunk if isinstance(value, tuple) else [*_drops(value), *shrunk]
    if isinstance(value, (set, frozenset)):
        return [type(value)(kept) for kept in _drops(sorted(value, key=input_size))]
    if isinstance(value, dict):
        keys = list(value)
        dropped: list[Any] = [{k: value[k] for k in kept} for kept in _drops(keys)]
        return dropped + [
            {**value, key: simpler}
            for key in keys[:PER_PART]
            for simpler in _simpler(value[key])[:3]
        ]
    return []


def _simpler_text(value: Any) -> list[Any]:
    """A string or bytes emptied, halved, a character left out, or one made the lowest."""
    reach = range(min(len(value), PER_PART))
    drops = [value[:i] + value[i + 1 :] for i in reach]
    lowest = min((value[i : i + 1] for i in range(len(value))), default=value[:0])
    lowered = [value[:i] + lowest + value[i + 1 :] for i in reach]
    return [value[:0], value[: len(value) // 2], *drops, *lowered]


def _drops(items: Sequence[Any]) -> list[list[Any]]:
    """The sequence emptied, halved, and with one element left out at a time."""
    items = list(items)
    one_out = [items[:i] + items[i + 1 :] for i in range(min(len(items), PER_PART))]
    return [[], items[: len(items) // 2], *one_out] if items else []
