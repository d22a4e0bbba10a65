"""Differential testing for Python: which calls to try, and the harness that runs them.

Both proposals run the same calls, each in its own sandbox (the harness is
scripts/differential.py); the engine compares the results.
Calls come from the workspace tests, docstring examples, both families' tests and the edge cases
the models listed, then from a Hypothesis search shaped by those examples and the type hints
(inputs.py). Only calls whose arguments are literals are used, so a call means the same thing in
every version.
"""

from __future__ import annotations

import ast
import functools
import textwrap
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from hypothesis import strategies as st

from counterpoint.languages.python.inputs import (
    GENERAL,
    calls_searched,
    example_strategy,
    general_arguments,
    hint_strategy,
    present,
    smaller_calls,
)
from counterpoint.languages.spec import script, with_header

MAX_CALLS = 200
MAX_DERIVED = 120  # calls Hypothesis draws per function from its examples' shapes
MAX_TYPED = 60  # from its type hints
MAX_GENERAL = 120  # from small values of any kind, when it has neither
HARNESS_FILE = "test_counterpoint_differential.py"


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
    """Calls to compare, each with where it came from, most trusted first: "example" (literal
    calls in code, docstrings, tests and the models' edge cases), then inputs Hypothesis
    searched (inputs.py): "derived" (within what the examples show), "typed" (from the type
    hints, which may lie outside what the function accepts) and "general" (small values, for a
    function with neither)."""
    names = {f.name for f in functions}
    examples: dict[str, None] = {}
    for source in [*sources, *edge_cases]:
        for expression in _expressions(source):
            for call in _literal_calls(expression, names):
                examples.setdefault(call, None)
    calls: dict[str, str] = dict.fromkeys(examples, "example")
    searched = [
        _searched(function, tuple(c for c in examples if c.startswith(f"{function.name}(")))
        for function in functions
    ]
    per_function = max(1, (MAX_CALLS - len(calls)) // max(1, len(functions)))
    for found in searched:
        for call, origin in found[:per_function]:
            calls.setdefault(call, origin)
    return list(calls.items())[:MAX_CALLS]


@functools.lru_cache(maxsize=256)
def _searched(function: Function, examples: tuple[str, ...]) -> tuple[tuple[str, str], ...]:
    """Hypothesis' inputs for one function: example-shaped first, then typed, else general.
    Deterministic, so kept: every proposal of a request, and a re-run, search the same."""
    arity = len(function.parameters)
    observed = _observed_arguments(function.name, examples, arity)
    from_examples = [example_strategy(values) for values in observed] or [None] * arity
    from_hints = [hint_strategy(hint) for hint in function.hints]
    found: list[tuple[str, str]] = []
    shaped = present(from_examples) if observed else None
    if shaped is not None:
        derived = st.tuples(*shaped)
        found += [(c, "derived") for c in calls_searched(function.name, derived, MAX_DERIVED)]
    if any(s is not None for s in from_hints):
        typed = st.tuples(
            *(_first(h, e, GENERAL) for h, e in zip(from_hints, from_examples, strict=True))
        )
        found += [(c, "typed") for c in calls_searched(function.name, typed, MAX_TYPED)]
    if not found:
        general = general_arguments(arity)
        found += [(c, "general") for c in calls_searched(function.name, general, MAX_GENERAL)]
    return tuple(found)


def _first(*strategies: st.SearchStrategy[Any] | None) -> st.SearchStrategy[Any]:
    return next(s for s in strategies if s is not None)


def _observed_arguments(name: str, examples: Sequence[str], arity: int) -> list[list[Any]]:
    """Each parameter's values in the examples that pass every argument by position; [] when
    no example does."""
    argument_lists = [
        parsed[1]
        for call in examples
        if (parsed := _positional_literals(call)) is not None
        and parsed[0] == name
        and len(parsed[1]) == arity
    ]
    if not argument_lists:
        return []
    return [[a[i] for a in argument_lists] for i in range(arity)]


def shrink_candidates(call: str, examples: Sequence[str] = ()) -> list[str]:
    """Simpler calls than `call` (its arguments literals), to shrink a difference found on it;
    with `examples`, only calls whose arguments stay like the examples' (see inputs.fits)."""
    parsed = _positional_literals(call)
    if parsed is None:
        return []
    name, arguments = parsed
    return smaller_calls(name, arguments, _observed_arguments(name, examples, len(arguments)))


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
