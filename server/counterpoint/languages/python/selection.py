"""Which workspace tests and doctests a Python target's run includes, and how pytest names them.

Test functions are found with the `tests` query, in `test_*.py` and `*_test.py` files, at module
level or in classes pytest collects (`Test*`, or a unittest.TestCase). A name a test file imports
from another module is not the target's, so it does not select the test.
"""

from __future__ import annotations

import ast
import functools
from collections.abc import Callable
from pathlib import PurePosixPath

import tree_sitter

from counterpoint.languages.spec import LanguageSpec, text


@functools.lru_cache(maxsize=256)  # by content: an unchanged test file is not parsed again
def parsed_tests(spec: LanguageSpec, source: str) -> list[tuple[str, set[str]]]:
    """(pytest id inside the file, names referenced) for each test function."""
    tree = spec.parse(source)
    found = []
    for _, match in tree_sitter.QueryCursor(spec.queries.tests).matches(tree.root_node):
        if "test.function" not in match:
            continue
        node = match["test.function"][0]
        name = text(match["test.name"][0])
        if not name.startswith("test"):
            continue
        owner = _owner_class(node)
        if owner is False:
            continue  # nested in a function, or in a class pytest does not collect
        test_id = f"{owner}::{name}" if owner else name
        found.append((test_id, spec.references_in(tree.root_node, node)))
    return found


def _owner_class(node: tree_sitter.Node) -> str | bool | None:
    """None at module level, the class name inside a class pytest collects (named Test*, or a
    unittest.TestCase subclass), False anywhere else."""
    parent = node.parent
    if parent is not None and parent.type == "decorated_definition":
        parent = parent.parent
    if parent is None or parent.type == "module":
        return None
    if (
        parent.type == "block"
        and parent.parent is not None
        and parent.parent.type == "class_definition"
    ):
        class_name = parent.parent.child_by_field_name("name")
        name = text(class_name) if class_name is not None else ""
        bases = parent.parent.child_by_field_name("superclasses")
        unittest_case = bases is not None and "TestCase" in text(bases)
        if (name.startswith("Test") or unittest_case) and _owner_class(parent.parent) is None:
            return name
    return False


def dotted_module(target_path: str, exists: Callable[[str], bool]) -> str:
    """The dotted module name of a workspace-relative file: its stem under every package folder
    (one with an `__init__.py`, as `exists` tells) above it."""
    path = PurePosixPath(target_path)
    parts = [path.stem] if path.stem != "__init__" else []
    folder = path.parent
    while folder.parts and exists(f"{folder.as_posix()}/__init__.py"):
        parts.insert(0, folder.name)
        folder = folder.parent
    return ".".join(parts)


@functools.lru_cache(maxsize=256)
def imported_elsewhere(source: str, module: str) -> frozenset[str]:
    """Names bound by `from M import name` where M is neither the target's module nor a
    package above it (which may re-export it)."""
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError):
        return frozenset()
    target_parts = module.split(".")
    foreign: set[str] = set()
    for node in ast.walk(tree):
        if not isinstance(node, ast.ImportFrom) or node.module is None:
            continue
        parts = node.module.split(".")
        if node.level:  # relative: compare the tail, the only part the file states
            related = target_parts[-len(parts) :] == parts or parts == target_parts[: len(parts)]
        else:
            related = target_parts[: len(parts)] == parts
        if not related:
            foreign.update(alias.asname or alias.name for alias in node.names)
    return frozenset(foreign)


def doctest_names(source: str, target_code: str) -> tuple[str, ...]:
    """Qualified names of the definitions inside the target whose docstrings hold examples."""
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError):
        return ()
    found: list[str] = []
    lines = source.splitlines(keepends=True)  # once: ast.get_source_segment splits per call

    def visit(body: list[ast.stmt], prefix: str) -> None:
        for node in body:
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                name = f"{prefix}{node.name}"
                segment = "".join(lines[node.lineno - 1 : node.end_lineno]).strip()
                docstring = ast.get_docstring(node, clean=False) or ""
                if ">>>" in docstring and segment and segment in target_code:
                    found.append(name)
                if isinstance(node, ast.ClassDef):
                    visit(node.body, f"{name}.")

    visit(tree.body, "")
    return tuple(found)


def is_test_file(rel: str) -> bool:
    name = PurePosixPath(rel).name
    return name.endswith(".py") and (name.startswith("test_") or name.endswith("_test.py"))


def conventional_test_files(target_path: str) -> list[str]:
    path = PurePosixPath(target_path)
    stem, folder = path.stem, path.parent
    candidates = [
        folder / f"test_{stem}.py",
        folder / f"{stem}_test.py",
        folder / "tests" / f"test_{stem}.py",
        PurePosixPath("tests") / f"test_{stem}.py",
        PurePosixPath("test") / f"test_{stem}.py",
        PurePosixPath("tests") / folder / f"test_{stem}.py",
    ]
    if folder.parts and folder.parts[0] == "src":
        candidates.append(PurePosixPath("tests", *folder.parts[1:], f"test_{stem}.py"))
    return [str(candidate) for candidate in candidates]


def node_id(file: str, classname: str, name: str) -> str:
    """pytest's id of a JUnit testcase (its file, class name and name)."""
    if not file:
        return f"{classname}::{name}" if classname else name
    module = file.removesuffix(".py").replace("/", ".")
    inner = classname.removeprefix(module).lstrip(".")
    return "::".join(part for part in (file, inner, name) if part)
