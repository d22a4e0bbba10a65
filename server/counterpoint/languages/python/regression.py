"""The user's expectations as pytest tests: one `assert` each, importing the target's names
from its module as the model-written tests do; and an answered question as a regression test in
the workspace's conventional test file for the module."""

from __future__ import annotations

import ast
from collections.abc import Callable
from pathlib import PurePosixPath

from counterpoint.languages.python.selection import conventional_test_files
from counterpoint.languages.testing import (
    Regression,
    RegressionWriter,
    TestFileEdit,
    test_slug,
)

# The longest call and value an answer writes into the user's tests, together.
MAX_EXPECTATION_CHARS = 4000
# What parsing hostile text may raise besides a syntax error: the parser's own limits.
_UNPARSABLE = (SyntaxError, ValueError, MemoryError, RecursionError)


class PythonRegression(RegressionWriter):
    def run_test(self, regression: Regression) -> str:
        names = regression.used_names()
        imports = (
            f"from {regression.module} import {', '.join(names)}"
            if names
            else f"from {regression.module} import *  # noqa: F403"
        )
        tests = [
            f"def test_expected_{index}_{test_slug(expression)}".rstrip("_")
            + f"():\n    assert {expression.strip()}\n"
            for index, expression in enumerate(regression.expectations, 1)
        ]
        return "\n\n".join([imports + "\n", *tests])

    def expectation(self, call: str, value: str) -> str | None:
        if len(call) + len(value) > MAX_EXPECTATION_CHARS:
            return None  # no test pins a megabyte literal; the user's file would carry it
        if not (plain_call(call) and is_literal(value)):
            return None
        # Written as parsed, never as printed: a comment or line break in the untrusted text
        # could otherwise cut off the rest of the assertion or break the test file.
        call, value = _canonical(call), _canonical(value)
        pinned = ast.literal_eval(value)
        if type(pinned) in (int, bool):
            # 3299 == 3299.0 and 1 == True: the answer pins the kind of number too, or it
            # could not tell apart the versions it was asked to choose between.
            kind = type(pinned).__name__
            return f"(result := {call}) == {value} and type(result) is {kind}"
        return f"{call} == {value}"

    def answer_test(
        self,
        regression: Regression,
        read: Callable[[str], str | None],
        is_folder: Callable[[str], bool],
    ) -> TestFileEdit | None:
        path = test_file_for(regression.target_path, read, is_folder)
        existing = read(path)
        names = regression.used_names()
        taken = _defined_names(existing or "")
        tests = []
        for expression in regression.expectations:
            name = _free_name(f"test_{test_slug(expression)}", taken)
            taken.add(name)
            tests.append((name, expression.strip()))
        if existing is None:
            header = f"from {regression.module} import {', '.join(names)}\n" if names else ""
            body = "\n\n".join(f"def {n}():\n    assert {e}\n" for n, e in tests)
            return TestFileEdit(path, f"{header}\n\n{body}" if header else body, created=True)
        missing = [n for n in names if n not in _imported_from(existing, regression.module)]
        local = f"    from {regression.module} import {', '.join(missing)}\n\n" if missing else ""
        body = "".join(f"\n\ndef {n}():\n{local}    assert {e}\n" for n, e in tests)
        lead = "" if existing.endswith("\n") or not existing else "\n"
        return TestFileEdit(path, lead + body, created=False)


def test_file_for(
    target_path: str, read: Callable[[str], str | None], is_folder: Callable[[str], bool]
) -> str:
    """The workspace's conventional test file for a module: the first of the usual places
    that exists (`test_<module>.py` beside it, `tests/test_<module>.py`, …), else where its
    neighbours' tests live: `tests/test_<module>.py` when the project has a tests/ folder,
    `test_<module>.py` beside the module otherwise."""
    candidates = conventional_test_files(target_path)
    for candidate in candidates:
        if read(candidate) is not None:
            return candidate
    path = PurePosixPath(target_path)
    under_tests = PurePosixPath("tests", *path.parent.parts[path.parent.parts[:1] == ("src",) :])
    if is_folder("tests"):
        return str(under_tests / f"test_{path.stem}.py")
    return str(path.parent / f"test_{path.stem}.py")


def plain_call(call: str) -> bool:
    """A call of a plain name with literal arguments only: `f(3, [1, 2], key='a')`."""
    try:
        node = ast.parse(call.strip(), mode="eval").body
    except _UNPARSABLE:
        return False
    return (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name)
        and all(_literal(arg) for arg in node.args)
        and all(k.arg is not None and _literal(k.value) for k in node.keywords)
    )


def is_literal(value: str) -> bool:
    """A Python literal (what `ast.literal_eval` reads): `[1, 2]`, `'a'`, `None`, `{1: (2,)}`."""
    try:
        return _literal(ast.parse(value.strip(), mode="eval").body)
    except _UNPARSABLE:
        return False


def _literal(node: ast.expr) -> bool:
    try:
        ast.literal_eval(node)
    except (*_UNPARSABLE, TypeError):
        return False
    return True


def _canonical(expression: str) -> str:
    """A checked expression as Python writes it back: one line, no comments."""
    return ast.unparse(ast.parse(expression.strip(), mode="eval"))


def _defined_names(source: str) -> set[str]:
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError):
        return set()
    return {n.name for n in ast.walk(tree) if isinstance(n, ast.FunctionDef | ast.ClassDef)}


def _imported_from(source: str, module: str) -> set[str]:
    """The names a file imports at its top level from `module`."""
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError):
        return set()
    return {
        alias.asname or alias.name
        for node in tree.body
        if isinstance(node, ast.ImportFrom) and node.module == module and node.level == 0
        for alias in node.names
    }


def _free_name(name: str, taken: set[str]) -> str:
    if name not in taken:
        return name
    index = 2
    while f"{name}_{index}" in taken:
        index += 1
    return f"{name}_{index}"
