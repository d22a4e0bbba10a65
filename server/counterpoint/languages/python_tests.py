"""Python tests: pytest, selected with tree-sitter, results read from JUnit XML."""

from __future__ import annotations

import ast
import functools
import json
import os
import subprocess
import sys
import xml.etree.ElementTree as ElementTree
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path, PurePosixPath

import tree_sitter

from counterpoint.languages.python_behaviour import (
    HARNESS_FILE,
    candidate_calls,
    harness,
    isolatable_functions,
)
from counterpoint.languages.spec import LanguageSpec
from counterpoint.languages.testing import (
    BehaviourProbe,
    RunPlan,
    TestOutcome,
    TestSelection,
    select_tests,
)
from counterpoint.model.vocabulary import Outcome
from counterpoint.workspace import inside_workspace, read_workspace_text

MODEL_TESTS_DIR = "_counterpoint"
PER_CALL_SECONDS = 2.0

# Enforces a per-test timeout inside the sandbox, so one endless test fails alone and the run
# still reports the rest. The whole-run timeout outside is the backstop.
# Loaded into every run: a per-test time limit, and doctests that compare values.
RUN_PLUGIN = """
import ast, doctest, os, signal
import pytest

LIMIT = float(os.environ.get("COUNTERPOINT_PER_TEST_TIMEOUT", "10"))


def _expire(signum, frame):
    raise TimeoutError(f"timed out after {LIMIT:g} s (counterpoint per-test limit)")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_call(item):
    previous = signal.signal(signal.SIGALRM, _expire)
    signal.setitimer(signal.ITIMER_REAL, LIMIT)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


_exact = doctest.OutputChecker.check_output


def _same_value(want, got):
    try:
        return ast.literal_eval(want.strip()) == ast.literal_eval(got.strip())
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        return False


def _check_output(self, want, got, optionflags):
    # ["a"] shows the same value as ['a']; and `>>> f(x) == y` with no output line is a claim
    # that holds when it prints True.
    if _exact(self, want, got, optionflags):
        return True
    if not want.strip() and got.strip() == "True":
        return True
    return _same_value(want, got)


doctest.OutputChecker.check_output = _check_output


def pytest_collection_modifyitems(config, items):
    # Only the target's own doctests, when it names them and the module has them.
    wanted = [n for n in os.environ.get("COUNTERPOINT_DOCTESTS", "").split(",") if n]
    doctests = [i for i in items if type(i).__name__ == "DoctestItem"]
    chosen = [i for i in doctests if any(i.name.endswith("." + n) for n in wanted)]
    if not wanted or not chosen:
        return
    dropped = [i for i in doctests if i not in chosen]
    config.hook.pytest_deselected(items=dropped)
    items[:] = [i for i in items if i not in dropped]
"""


class PythonTests:
    runner_name = "pytest"

    def __init__(self, spec: LanguageSpec) -> None:
        self.spec = spec
        # Interpreters found inside a workspace: the repository's, so never run outside the
        # sandbox (a cloned `.venv/bin/python` can be any program); looked at on disk instead.
        self._workspace_venvs: set[str] = set()

    def interpreter(self, root: Path, configured: str | None) -> str:
        if configured:
            return configured
        for candidate in (".venv/bin/python", "venv/bin/python", ".venv/Scripts/python.exe"):
            if (root / candidate).exists():
                self._workspace_venvs.add(str(root / candidate))
                return str(root / candidate)
        return sys.executable

    def runner_available(self, interpreter: str) -> str | None:
        if interpreter in self._workspace_venvs:
            return venv_on_disk(interpreter).missing
        return _pytest_missing(interpreter)

    def _view(self, interpreter: str) -> tuple[str, ...]:
        if interpreter in self._workspace_venvs:
            return venv_on_disk(interpreter).view
        return import_path(interpreter)

    def import_hint(self, module: str, root: Path | None = None, target_path: str = "") -> str:
        return (
            f"Your tests run with pytest from the project root; import the code under test from "
            f"the module `{module}` (e.g. `from {module} import …`)."
        )

    def module_name(self, root: Path, target_path: str) -> str | None:
        path = Path(target_path)
        if path.is_absolute():
            path = path.relative_to(root) if root in path.parents else Path(path.name)
        if path.suffix != ".py":
            return None
        return dotted_module(path.as_posix(), lambda rel: (root / rel).exists()) or None

    def discover(
        self,
        files: Sequence[str],
        read: Callable[[str], str | None],
        target_path: str,
        symbols: Sequence[str],
        target_code: str,
        root: Path | None = None,
    ) -> TestSelection:
        present = set(files)
        module = dotted_module(target_path, present.__contains__)

        def tests_in(source: str) -> list[tuple[str, set[str]]]:
            # A name this file imports from another module is not the target's.
            foreign = _imported_elsewhere(source, module)
            return [(test_id, names - foreign) for test_id, names in self._test_functions(source)]

        selection = select_tests(
            files,
            read,
            _is_test_file,
            tests_in,
            _conventional_test_files(target_path),
            symbols,
        )
        if ">>>" not in target_code:
            return selection
        names = _doctest_names(read(target_path) or "", target_code)
        shown = ", ".join(names) if names else "every doctest"
        return replace(
            selection,
            doctest_files=(target_path,),
            doctest_names=names,
            notes=(*selection.notes, f"doctests in {target_path} are run ({shown})"),
        )

    def plan(
        self,
        interpreter: str,
        selection: TestSelection,
        model_tests: dict[str, Sequence[str]],
        run_dir: Path,
        sandbox_dir: Path,
        test_timeout_s: float,
        probe: BehaviourProbe | None = None,
    ) -> RunPlan:
        files = {f"{MODEL_TESTS_DIR}/counterpoint_run.py": RUN_PLUGIN}
        written = model_test_files(model_tests)
        model_files = {path: voice for path, (voice, _) in written.items()}
        files.update({path: test for path, (_, test) in written.items()})
        probe_files = {}
        if probe is not None:
            probe_files[f"{MODEL_TESTS_DIR}/{HARNESS_FILE}"] = harness(
                probe.module, probe.names, probe.calls, PER_CALL_SECONDS
            )
            files.update(probe_files)
        results = "results.xml"
        argv = [
            interpreter,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            "-p",
            "counterpoint_run",
            "-o",
            "junit_family=xunit1",
            "--junitxml",
            str(sandbox_dir / results),
            "--continue-on-collection-errors",
            "--rootdir",
            str(run_dir),
        ]
        if selection.doctest_files:
            argv.append("--doctest-modules")
        argv += [*selection.test_ids, *selection.doctest_files, *model_files, *probe_files]
        # src/ first, for a src layout: the run's tree does not exist yet when the plan is
        # made, and a folder missing from the path is harmless. (The workspace's own editable
        # install is not visible in the sandbox, so this is how `import pkg` finds the copy.)
        python_path = [str(run_dir / "src"), str(run_dir), str(run_dir / MODEL_TESTS_DIR)]
        env = {
            "PYTHONPATH": os.pathsep.join(python_path),
            "COUNTERPOINT_PER_TEST_TIMEOUT": f"{test_timeout_s:g}",
        }
        if Path(interpreter).resolve() == Path(sys.executable).resolve():
            # Counterpoint's own Python: its pytest plugins are ours, not the project's, and
            # loading them costs more than the selected tests.
            env["PYTEST_DISABLE_PLUGIN_AUTOLOAD"] = "1"
        behaviour_file = None
        if selection.doctest_names:
            env["COUNTERPOINT_DOCTESTS"] = ",".join(selection.doctest_names)
        if probe is not None:
            behaviour_file = "behaviour.json"
            env["COUNTERPOINT_DIFF_OUT"] = str(sandbox_dir / behaviour_file)
        return RunPlan(
            argv=argv,
            env=env,
            files=files,
            results_file=results,
            behaviour_file=behaviour_file,
            model_files=model_files,
            read_only=self._view(interpreter),
        )

    def behaviour_probe(
        self,
        module: str | None,
        target_code: str,
        sources: Sequence[str],
        edge_cases: Sequence[str],
    ) -> tuple[BehaviourProbe | None, str | None]:
        if not module:
            return None, "behaviour not compared: the module cannot be imported by name"
        functions, why = isolatable_functions(target_code)
        if why:
            return None, f"behaviour not compared: {why}"
        calls = candidate_calls(functions, sources, edge_cases)
        if not calls:
            return None, "behaviour not compared: no calls with literal arguments were found"
        names = tuple(f.name for f in functions)
        return BehaviourProbe(
            module, names, tuple(c for c, _ in calls), tuple(o for _, o in calls)
        ), None

    def read_results(
        self, results: str, selection: TestSelection, model_files: dict[str, str]
    ) -> list[TestOutcome]:
        sources = model_files  # path -> the family that wrote it
        outcomes = []
        root = ElementTree.fromstring(results)
        for case in root.iter("testcase"):
            file = case.get("file") or ""
            if file.endswith(HARNESS_FILE):
                continue  # the behaviour probe is not a test
            name = case.get("name") or ""
            classname = case.get("classname") or ""
            test_id = _node_id(file, classname, name)
            if file in sources:
                source = sources[file]
            elif file in selection.doctest_files and not _is_test_file(file):
                source = "doctest"
            else:
                source = "workspace"
            outcome, message = Outcome.PASSED, ""
            for tag in ("failure", "error", "skipped"):
                element = case.find(tag)
                if element is not None:
                    outcome = {
                        "failure": Outcome.FAILED,
                        "error": Outcome.ERROR,
                        "skipped": Outcome.SKIPPED,
                    }[tag]
                    message = (element.get("message") or element.text or "").strip()
                    break
            outcomes.append(
                TestOutcome(
                    test_id, source, outcome, _first_lines(message), float(case.get("time") or 0)
                )
            )
        return outcomes

    def _test_functions(self, source: str) -> list[tuple[str, set[str]]]:
        """(pytest id inside the file, names referenced) for each test function."""
        return _parsed_tests(self.spec, source)


@functools.lru_cache(maxsize=256)  # by content: an unchanged test file is not parsed again
def _parsed_tests(spec: LanguageSpec, source: str) -> list[tuple[str, set[str]]]:
    tree = spec.parser().parse(source.encode("utf-8"))
    references = spec.query("references")
    found = []
    for _, match in tree_sitter.QueryCursor(spec.query("tests")).matches(tree.root_node):
        if "test.function" not in match:
            continue
        node = match["test.function"][0]
        name = _text(match["test.name"][0])
        if not name.startswith("test"):
            continue
        owner = _owner_class(node)
        if owner is False:
            continue  # nested in a function, or in a class pytest does not collect
        test_id = f"{owner}::{name}" if owner else name
        cursor = tree_sitter.QueryCursor(references)
        cursor.set_byte_range(node.start_byte, node.end_byte)
        names = {_text(n) for nodes in cursor.captures(tree.root_node).values() for n in nodes}
        found.append((test_id, names))
    return found


def model_test_files(model_tests: dict[str, Sequence[str]]) -> dict[str, tuple[str, str]]:
    """One file per model-written test, so a syntax error costs only that test:
    path -> (the family that wrote it, the test)."""
    return {
        f"{MODEL_TESTS_DIR}/test_from_{voice}_{index}.py": (voice, test)
        for voice, tests in model_tests.items()
        for index, test in enumerate(tests, 1)
    }


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
        name = _text(class_name) if class_name is not None else ""
        bases = parent.parent.child_by_field_name("superclasses")
        unittest_case = bases is not None and "TestCase" in _text(bases)
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
def _imported_elsewhere(source: str, module: str) -> frozenset[str]:
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


def _doctest_names(source: str, target_code: str) -> tuple[str, ...]:
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


def _is_test_file(rel: str) -> bool:
    name = PurePosixPath(rel).name
    return name.endswith(".py") and (name.startswith("test_") or name.endswith("_test.py"))


def _conventional_test_files(target_path: str) -> list[str]:
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


def _node_id(file: str, classname: str, name: str) -> str:
    if not file:
        return f"{classname}::{name}" if classname else name
    module = file.removesuffix(".py").replace("/", ".")
    inner = classname.removeprefix(module).lstrip(".")
    return "::".join(part for part in (file, inner, name) if part)


def _first_lines(message: str, limit: int = 400) -> str:
    return message[:limit] + ("…" if len(message) > limit else "")


def _text(node: tree_sitter.Node) -> str:
    return node.text.decode("utf-8", "replace") if node.text else ""


@functools.cache
def _pytest_missing(interpreter: str) -> str | None:
    try:
        probe = subprocess.run(
            [interpreter, "-c", "import pytest"],
            capture_output=True,
            timeout=60,
            env={"PATH": os.environ.get("PATH", "")},
            # `-c` puts the working directory first on sys.path, and the server's may be the
            # workspace (VS Code starts it there): its pytest.py would run here, on the host.
            cwd="/",
        )
    except (OSError, subprocess.SubprocessError) as error:
        return f"cannot start {interpreter}: {error}"
    if probe.returncode != 0:
        return f"pytest is not installed for {interpreter}; install it there to run tests"
    return None


@functools.cache
def import_path(interpreter: str) -> tuple[str, ...]:
    """Where the interpreter loads its standard library and packages from (its prefixes and
    `sys.path`): what the sandbox must show, read-only, for it to start."""
    query = (
        "import json, sys; print(json.dumps([sys.prefix, sys.base_prefix, sys.exec_prefix, "
        "sys.base_exec_prefix, *sys.path]))"
    )
    try:
        shown = subprocess.run(
            [interpreter, "-s", "-c", query],
            capture_output=True,
            text=True,
            timeout=60,
            env={"PATH": os.environ.get("PATH", "")},
            cwd="/",
        )
        paths = json.loads(shown.stdout)
    except (OSError, subprocess.SubprocessError, ValueError):
        return ()
    return tuple(str(path) for path in paths if isinstance(path, str) and path)


@dataclass(frozen=True)
class VenvOnDisk:
    view: tuple[str, ...]  # the venv and the Python installation it was made from
    missing: str | None  # why its tests cannot run, if they cannot


@functools.cache
def venv_on_disk(interpreter: str) -> VenvOnDisk:
    """A workspace's virtualenv, read from its files without running anything of it: the
    folders a run needs, and whether pytest is installed. Its base installation (pyvenv.cfg's
    `home`, or where `bin/python` leads) is shown to runs only if it holds a standard library,
    so a hostile pyvenv.cfg or symlink cannot open other folders to the sandbox."""
    venv = Path(interpreter).parent.parent
    if not inside_workspace(venv, venv.parent):
        # A link out of the workspace: bubblewrap would show where it leads, whatever that is.
        return VenvOnDisk((), f"not executed: {venv} is a link out of the workspace")
    config = venv / "pyvenv.cfg"
    text = read_workspace_text(config)
    if text is None:
        return VenvOnDisk((), f"not executed: {interpreter} is not in a virtualenv (no {config})")
    lines = text.splitlines()
    homes = [
        line.split("=", 1)[1].strip() for line in lines if line.split("=")[0].strip() == "home"
    ]
    candidates = [Path(home) for home in homes[:1]] + [Path(os.path.realpath(interpreter)).parent]
    view = [str(venv)]
    for folder in candidates:
        # Resolved first: the folder checked is the folder shown (`a/../b` walked through a
        # link is not the `b` a bind would take it for).
        folder = Path(os.path.realpath(folder))
        base = folder.parent if folder.name == "bin" else folder
        if any(base.glob("lib/python3*/os.py")):
            view.append(str(base))
    sites = list(venv.glob("lib/python3*/site-packages"))
    if not any((site / "pytest").is_dir() or (site / "_pytest").is_dir() for site in sites):
        return VenvOnDisk(
            tuple(view), f"pytest is not installed for {interpreter}; install it there to run tests"
        )
    return VenvOnDisk(tuple(view), None)
