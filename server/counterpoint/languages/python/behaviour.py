"""Differential testing for Python: which calls to try, and the harness that runs them.

Both proposals run the same calls, each in its own sandbox (the harness is
scripts/differential.py); the engine compares the results.
Calls come from the workspace tests, docstring examples, both families' tests, the edge cases
the models listed, and boundary values for simple type hints. Only calls whose arguments are
literals are used, so a call means the same thing in every version.
"""

from __future__ import annotations

import ast
import contextlib
import itertools
import re
import textwrap
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from counterpoint.languages.spec import script, with_header

MAX_CALLS = 200
MAX_DERIVED = 120
MAX_VARIATIONS = 12
MAX_CALL_CHARS = 2000
HARNESS_FILE = "test_counterpoint_differential.py"

# Boundary values per simple annotation; a small table, not a property-based generator.
HINT_VALUES: dict[str, tuple[str, ...]] = {
    "int": ("0", "1", "-1", "2", "7"),
    "float": ("0.0", "1.5", "-2.0"),
    "bool": ("True", "False"),
    "str": ("''", "'a'", "'abc'", "' a b '"),
    "list[int]": ("[]", "[1]", "[1, 2]", "[1, 2, 3]", "[-1, 0, 5, 5]"),
    "list[str]": ("[]", "['a']", "['a', 'b']"),
    "list[float]": ("[]", "[1.5]", "[0.0, -2.0]"),
    "list": ("[]", "[1]", "[1, 2, 3]"),
    "str | None": ("None", "''", "'a'"),
    "int | None": ("None", "0", "3"),
}


@dataclass(frozen=True)
class Function:
    name: str
    parameters: tuple[str, ...]
    hints: tuple[str | None, ...]


def isolatable_functions(target_code: str) -> tuple[list[Function], str | None]:
    """Top-level functions in the target, or why none can run in isolation."""
    try:
        tree = ast.parse(textwrap.dedent(target_code))
    except SyntaxError:
        return [], "the selection does not parse on its own"
    functions = []
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            if isinstance(node, ast.AsyncFunctionDef):
                continue
            args = node.args
            if args.vararg or args.kwarg or args.kwonlyargs or args.posonlyargs:
                functions.append(Function(node.name, (), ()))
                continue
            names = tuple(a.arg for a in args.args)
            if names and names[0] in ("self", "cls"):
                return [], f"{node.name} is a method and needs an instance"
            hints = tuple(ast.unparse(a.annotation) if a.annotation else None for a in args.args)
            functions.append(Function(node.name, names, hints))
    if not functions:
        return [], "the selection holds no top-level function to call"
    return functions, None


def candidate_calls(
    functions: Sequence[Function], sources: Iterable[str], edge_cases: Iterable[str]
) -> list[tuple[str, str]]:
    """Calls to compare, each with where it came from, most trusted first:
    "example" (literal calls in code, docstrings, tests and the models' edge cases), "derived"
    (the examples' arguments varied within what the examples show) and "boundary" (a table of
    values for simple type hints, which may lie outside what the function accepts)."""
    names = {f.name for f in functions}
    examples: dict[str, None] = {}
    for source in [*sources, *edge_cases]:
        for expression in _expressions(source):
            for call in _literal_calls(expression, names):
                examples.setdefault(call, None)
    calls: dict[str, str] = dict.fromkeys(examples, "example")
    for call in derived_calls(list(examples), MAX_DERIVED):
        calls.setdefault(call, "derived")
    for function in functions:
        for call in _hinted_calls(function):
            calls.setdefault(call, "boundary")
    return list(calls.items())[:MAX_CALLS]


def derived_calls(examples: Sequence[str], limit: int) -> list[str]:
    """New calls from the examples: each argument varied in ways its observed values allow
    (signs, characters, lengths), and the examples' arguments recombined."""
    by_function: dict[str, list[tuple[Any, ...]]] = {}
    for call in examples:
        parsed = _positional_literals(call)
        if parsed is not None:
            by_function.setdefault(parsed[0], []).append(parsed[1])
    rounds: list[list[str]] = []
    for name, argument_lists in by_function.items():
        arity = max(set(map(len, argument_lists)), key=[len(a) for a in argument_lists].count)
        argument_lists = [a for a in argument_lists if len(a) == arity]
        observed = [[a[i] for a in argument_lists] for i in range(arity)]
        for arguments in argument_lists:
            variants = []
            for position, value in enumerate(arguments):
                for changed in _variations(value, observed[position]):
                    variants.append((*arguments[:position], changed, *arguments[position + 1 :]))
            rounds.append([_render(name, v) for v in variants])
        if arity > 1:
            mixed = itertools.islice(itertools.product(*observed), 40)
            rounds.append([_render(name, v) for v in mixed])
    seen: dict[str, None] = dict.fromkeys(examples)
    found: list[str] = []
    # Round-robin over the examples, so every example contributes before the limit is hit.
    for batch in itertools.zip_longest(*rounds):
        for call in batch:
            if call is not None and call not in seen and len(call) <= MAX_CALL_CHARS:
                seen[call] = None
                found.append(call)
                if len(found) >= limit:
                    return found
    return found


def _positional_literals(call: str) -> tuple[str, tuple[Any, ...]] | None:
    try:
        node = ast.parse(call, mode="eval").body
    except SyntaxError:
        return None
    if not isinstance(node, ast.Call) or not isinstance(node.func, ast.Name) or node.keywords:
        return None
    try:
        return node.func.id, tuple(ast.literal_eval(arg) for arg in node.args)
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        return None


def _render(name: str, arguments: Sequence[Any]) -> str:
    return f"{name}({', '.join(repr(a) for a in arguments)})"


def _variations(value: Any, observed: Sequence[Any], depth: int = 0) -> list[Any]:
    """Values like `value` that stay within what `observed` shows of the argument's domain."""
    if depth > 2:
        return []
    if isinstance(value, bool):
        found: list[Any] = [not value]
    elif isinstance(value, int):
        found = _numbers(value, [v for v in observed if isinstance(v, int)], integral=True)
    elif isinstance(value, float):
        found = _numbers(value, [v for v in observed if isinstance(v, (int, float))], False)
    elif isinstance(value, str):
        found = _strings(value, [v for v in observed if isinstance(v, str)])
    elif isinstance(value, list):
        found = _lists(value, [v for v in observed if isinstance(v, list)], depth)
    elif isinstance(value, tuple):
        elements = [e for v in observed if isinstance(v, tuple) for e in v]
        found = [
            (*value[:i], changed, *value[i + 1 :])
            for i, item in enumerate(value)
            for changed in _variations(item, elements, depth + 1)[:3]
        ]
    else:
        return []
    unique: list[Any] = []
    for candidate in found:
        if type(candidate) is type(value) and candidate != value and candidate not in unique:
            unique.append(candidate)
    return unique[:MAX_VARIATIONS]


def _numbers(value: float, observed: Sequence[float], integral: bool) -> list[Any]:
    low = min([*observed, value])
    step = 1 if integral else 0.5
    found: list[Any] = [value + step, value - step, -value, 0 if integral else 0.0]
    if abs(value) <= 1000:
        found.append(value * 2)
    found.append(value // 2 if integral else value / 2)
    if low >= 0:  # the examples never show a negative: keep to the sign they show
        minimum = min(1, low) if integral else 0
        found = [v for v in found if v >= minimum]
    return found


def _strings(value: str, observed: Sequence[str]) -> list[str]:
    alphabet = sorted({c for text in [*observed, value] for c in text})
    found = [value[::-1], value[1:], value[:-1], value + value[:1], value[-1:] + value]
    if len(value) <= 20:
        found.append(value * 2)
    for index in (0, len(value) // 2, len(value) - 1):
        if 0 <= index < len(value):
            for other in alphabet[:4]:
                found.append(value[:index] + other + value[index + 1 :])
    if any(c.isupper() for c in alphabet) and any(c.islower() for c in alphabet):
        found.append(value.swapcase())
    if not any(text == "" for text in observed):  # empty only if the examples show it
        found = [f for f in found if f]
    return found


def _lists(value: list[Any], observed: Sequence[list[Any]], depth: int) -> list[Any]:
    elements = [e for v in [*observed, value] for e in v]
    found: list[Any] = [value[::-1], value[:-1], value[1:], value + value[-1:], value[:1]]
    with contextlib.suppress(TypeError):
        found.append(sorted(value))
    for index in {0, len(value) // 2, len(value) - 1}:
        if 0 <= index < len(value):
            for changed in _variations(value[index], elements, depth + 1)[:2]:
                found.append([*value[:index], changed, *value[index + 1 :]])
    if not any(v == [] for v in observed):
        found = [f for f in found if f]
    return found


def _plain_hint(hint: str | None) -> str | None:
    """`List[int]` and `Optional[str]` in today's spelling: `list[int]`, `str | None`."""
    if hint is None:
        return None
    hint = re.sub(
        r"\b(?:typing\.)?(List|Dict|Tuple|Set)\[", lambda m: m.group(1).lower() + "[", hint
    )
    optional = re.fullmatch(r"(?:typing\.)?Optional\[(.+)\]", hint)
    return f"{optional.group(1)} | None" if optional else hint


def harness(module: str, names: Sequence[str], calls: Sequence[str], per_call_s: float) -> str:
    """A pytest file that evaluates each call twice and writes the results as JSON: the script
    scripts/differential.py with this run's module, names, calls and limit."""
    header = (
        f"MODULE = {module!r}\nNAMES = {tuple(names)!r}\nCALLS = {list(calls)!r}\n"
        f"LIMIT = {float(per_call_s)!r}\n"
    )
    return with_header(script(__package__ or "", "differential.py"), header)


def _expressions(source: str) -> list[str]:
    """Source to scan: the code itself plus every `>>>` example in it."""
    examples = [line.strip()[4:] for line in source.splitlines() if line.strip().startswith(">>> ")]
    return [source, *examples]


def _literal_calls(source: str, names: set[str]) -> list[str]:
    tree: ast.AST
    try:
        tree = ast.parse(textwrap.dedent(source))
    except SyntaxError:
        try:
            tree = ast.parse(source.strip(), mode="eval")
        except SyntaxError:
            return []
    found = []
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id in names
            and all(_is_literal(arg) for arg in node.args)
            and all(k.arg is not None and _is_literal(k.value) for k in node.keywords)
        ):
            found.append(ast.unparse(node))
    return found


def _is_literal(node: ast.AST) -> bool:
    try:
        ast.literal_eval(node)
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        return False
    return True


def _hinted_calls(function: Function) -> list[str]:
    hints = [_plain_hint(h) for h in function.hints]
    if not function.parameters or any(h not in HINT_VALUES for h in hints):
        return []
    pools = [HINT_VALUES[h] for h in hints if h is not None]
    combos = itertools.islice(itertools.product(*pools), 60)
    return [f"{function.name}({', '.join(values)})" for values in combos]
