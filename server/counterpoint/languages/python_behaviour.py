"""Differential testing for Python: which calls to try, and the harness that runs them.

Both proposals run the same calls, each in its own sandbox; the pipeline compares the results.
Calls come from the workspace tests, docstring examples, both families' tests, the edge cases
the models listed, and boundary values for simple type hints. Only calls whose arguments are
literals are used, so a call means the same thing in every version.
"""

from __future__ import annotations

import ast
import itertools
import textwrap
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

MAX_CALLS = 200
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
) -> list[str]:
    """Literal calls to the target functions found in code and docstrings, then hint values."""
    names = {f.name for f in functions}
    calls: dict[str, None] = {}
    for source in [*sources, *edge_cases]:
        for expression in _expressions(source):
            for call in _literal_calls(expression, names):
                calls.setdefault(call, None)
    for function in functions:
        for call in _hinted_calls(function):
            calls.setdefault(call, None)
    return list(calls)[:MAX_CALLS]


def harness(module: str, names: Sequence[str], calls: Sequence[str], per_call_s: float) -> str:
    """A pytest file that evaluates each call twice and writes the results as JSON."""
    return HARNESS_TEMPLATE.format(
        module=module, names=", ".join(names), calls=repr(list(calls)), per_call=per_call_s
    )


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
    if not function.parameters or any(h not in HINT_VALUES for h in function.hints):
        return []
    pools = [HINT_VALUES[h] for h in function.hints if h is not None]
    combos = itertools.islice(itertools.product(*pools), 60)
    return [f"{function.name}({', '.join(values)})" for values in combos]


HARNESS_TEMPLATE = """
import itertools, json, os, re, signal, types

CALLS = {calls}
LIMIT = {per_call}


class _Expired(BaseException):
    pass


def _expire(signum, frame):
    raise _Expired()


def _canon(value, depth=0):
    if depth > 20:
        return "..."
    if isinstance(value, (types.GeneratorType, map, filter, zip, range)):
        value = list(itertools.islice(value, 1000))
    if isinstance(value, dict):
        items = sorted((_canon(k, depth + 1), _canon(v, depth + 1)) for k, v in value.items())
        return "{{" + ", ".join(k + ": " + v for k, v in items) + "}}"
    if isinstance(value, (set, frozenset)):
        return "{{" + ", ".join(sorted(_canon(v, depth + 1) for v in value)) + "}}"
    if isinstance(value, list):
        return "[" + ", ".join(_canon(v, depth + 1) for v in value) + "]"
    if isinstance(value, tuple):
        return "(" + ", ".join(_canon(v, depth + 1) for v in value) + ",)"
    return re.sub(r" at 0x[0-9a-fA-F]+", "", repr(value))[:2000]


def _run(expression, scope):
    signal.signal(signal.SIGALRM, _expire)
    signal.setitimer(signal.ITIMER_REAL, LIMIT)
    try:
        return {{"ok": True, "value": _canon(eval(expression, scope))}}
    except _Expired:
        return {{"ok": False, "exception": "Timeout"}}
    except (Exception, SystemExit) as error:
        return {{"ok": False, "exception": type(error).__name__}}
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)


def test_counterpoint_differential():
    results = []
    try:
        from {module} import {names}
        scope = {{name: value for name, value in locals().items()}}
    except BaseException as error:
        results = [{{"call": c, "ok": False, "exception": "ImportError: " + type(error).__name__}}
                   for c in CALLS]
        scope = None
    if scope is not None:
        for call in CALLS:
            first, second = _run(call, dict(scope)), _run(call, dict(scope))
            entry = {{"call": call, **first}}
            if first != second:
                entry["unstable"] = True
            results.append(entry)
    with open(os.environ["COUNTERPOINT_DIFF_OUT"], "w") as out:
        json.dump(results, out)
"""
