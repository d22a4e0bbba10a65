"""What a language provides to run tests: discovery, the command, and reading the results.

Each language package may expose `TESTS`, an instance of a `TestSupport` subclass. The executor
in `engine/execute.py` drives it and never needs to know which language it is. A subclass names
its selection type (`TestSupport[GoSelection]`), so what its discovery found comes back to its
plan and its results reader typed as it was made.
"""

from __future__ import annotations

import functools
import os
import re
import shutil
import subprocess
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, fields
from functools import cached_property
from pathlib import Path, PurePosixPath
from typing import Any, Generic, TypeVar

from counterpoint.languages.spec import LanguageSpec
from counterpoint.model.execution import BehaviourProbe, TestOutcome

MODEL_DIR = "_counterpoint"  # where a run's own files go: model-written tests, drivers
MESSAGE_LIMIT = 400


@dataclass(frozen=True)
class TestSelection:
    """The workspace tests relevant to a target, in the runner's own id format."""

    __test__ = False  # not a pytest class

    test_ids: tuple[str, ...] = ()
    doctest_files: tuple[str, ...] = ()
    suite_size: int = 0  # every test function found in the workspace, for comparison
    notes: tuple[str, ...] = ()
    # Only these doctests of those files (qualified names, e.g. "Stats.mean"); empty: all.
    doctest_names: tuple[str, ...] = ()
    target: str = ""  # the workspace-relative file under test (the executor fills it in)
    runner: str = ""  # the runner this workspace uses, when it differs by workspace ("vitest")
    unavailable: str | None = None  # why no test can run here, in words for the user
    # What the runs use from outside the snapshot (installed node_modules), as a fingerprint:
    # part of every result's key, so reinstalling dependencies invalidates stored results.
    installed: str = ""

    @property
    def empty(self) -> bool:
        return not self.test_ids and not self.doctest_files

    @classmethod
    def extending(cls: type[S], found: TestSelection, **more: Any) -> S:
        """What `found` (select_tests' plain selection) holds, with this type's own fields."""
        return cls(**{**{f.name: getattr(found, f.name) for f in fields(TestSelection)}, **more})


S = TypeVar("S", bound=TestSelection)


class NotCompared(Exception):
    """Why the versions' behaviour cannot be compared (the target's module cannot be imported,
    no calls were found…), in words for the user."""


@dataclass(frozen=True)
class RunPlan:
    """Everything needed to run one version of the code."""

    argv: list[str]
    env: dict[str, str]
    files: dict[str, str] = field(default_factory=dict)  # extra files to write in the run dir
    results_file: str = "results.xml"  # relative to the sandbox dir, not the run dir
    behaviour_file: str | None = None  # likewise, when a behaviour probe runs
    model_files: dict[str, str] = field(default_factory=dict)  # path -> the family that wrote it
    # Folders of the workspace the run needs but the snapshot leaves out (node_modules), by
    # run-relative path -> absolute path: linked entry by entry, never copied.
    links: dict[str, str] = field(default_factory=dict)
    cwd: str = ""  # run-relative folder to run in, "" for the workspace root
    # Host folders the run reads besides the OS and the toolchain's installation (the
    # interpreter's import path); mounted read-only, never the workspace itself.
    read_only: tuple[str, ...] = ()


@dataclass(frozen=True)
class InterpreterChoice:
    """The program that runs a language's tests, where it was found and what was passed over."""

    path: str
    source: str  # where it came from: "setting", "path", and for Python also "virtual_env",
    # "conda", "project", "editor" or "own" (languages/python/interpreter.py)
    why: str  # the same in words, for the report: e.g. "the project's .venv"
    passed_over: tuple[str, ...] = ()  # candidates looked at and not taken, each with why
    in_workspace: bool = False  # the repository's own: looked at on disk, run only sandboxed
    # What it loads, as a fingerprint (its packages' folders' mtimes): part of every result's
    # key, so installing a package into it makes earlier results stale.
    state: str = ""


@dataclass(frozen=True)
class Target:
    """What discovery looks at: the snapshot's files (read through `read`), the file under test
    and what the selection defines, and the user's workspace `root`, to look at what the
    snapshot leaves out (installed dependencies)."""

    files: Sequence[str]
    read: Callable[[str], str | None]
    path: str  # workspace-relative
    symbols: Sequence[str]
    code: str  # the selected code
    root: Path | None = None

    @cached_property
    def present(self) -> frozenset[str]:
        return frozenset(self.files)

    def folder_holding(self, name: str) -> str | None:
        """The nearest folder above the target whose snapshot holds a file `name`."""
        return folder_holding(self.path, name, self.present.__contains__)


@dataclass(frozen=True)
class Run(Generic[S]):
    """One version's run, as the executor asks for it."""

    interpreter: str
    selection: S
    model_tests: Mapping[str, Sequence[str]]  # family -> the tests it wrote
    run_dir: Path  # the run's tree: the workspace copy with this version of the target
    sandbox_dir: Path  # the run's writable area outside that tree, where results are written
    test_timeout_s: float
    probe: BehaviourProbe | None = None

    def output(self, name: str) -> str:
        """Where the run writes its file `name` (results), as the command sees it."""
        return str(self.sandbox_dir / name)

    def per_test_files(
        self, folder: str, name: Callable[[str, int], str]
    ) -> dict[str, tuple[str, str]]:
        """One file per model-written test, so a test that does not load costs only itself:
        run-relative path -> (the family that wrote it, the test). `name(family, index)`."""
        return {
            join(folder, name(voice, index)): (voice, test)
            for voice, tests in self.model_tests.items()
            for index, test in enumerate(tests, 1)
        }


class TestSupport(ABC, Generic[S]):
    """A language's test runner. The executor calls the public methods; a language implements
    `select`, `plan_run`, `read_results`, `tests_in` and `import_hint`, and overrides the
    defaults (the runner's program on PATH, the target's path as its module, no behaviour
    probe) where they do not fit."""

    __test__ = False  # not a pytest class

    runner_name = ""  # e.g. "pytest", shown in reports
    program = ""  # the runner's program, found on PATH when none is configured
    version_args: tuple[str, ...] = ("--version",)  # a quick look that the program runs
    version_env: tuple[tuple[str, str], ...] = ()  # extra environment for that look
    install = ""  # what to install when the program is missing

    def __init__(self, spec: LanguageSpec) -> None:
        self.spec = spec

    # -- the runner ------------------------------------------------------------------------

    def interpreter(self, root: Path, configured: str | None) -> str:
        return configured or shutil.which(self.program) or self.program

    def choose_interpreter(
        self, root: Path, configured: str | None, editor: str | None = None
    ) -> InterpreterChoice:
        """The runner's program and why it was taken: `configured` is the user's setting,
        `editor` what the editor selected. May run the candidates (blocking)."""
        if configured:
            return InterpreterChoice(configured, "setting", "the setting")
        return InterpreterChoice(self.interpreter(root, None), "path", "found on PATH")

    def runner_available(self, interpreter: str) -> str | None:
        """None when the runner can run; otherwise why not, in words for the user."""
        return version_problem(
            (interpreter, *self.version_args), self.version_env, self.spec.name, self.install
        )

    # -- the prompt ------------------------------------------------------------------------

    @abstractmethod
    def import_hint(self, module: str, root: Path | None = None, target_path: str = "") -> str:
        """One sentence for the proposers: how their tests will run and import the code."""

    def module_name(self, root: Path, target_path: str) -> str | None:
        """How tests import the target's module, for the proposers' prompt: by default the
        target's workspace-relative path."""
        return workspace_relative(root, target_path)

    # -- discovery -------------------------------------------------------------------------

    def discover(
        self,
        files: Sequence[str],
        read: Callable[[str], str | None],
        target_path: str,
        symbols: Sequence[str],
        target_code: str,
        root: Path | None = None,
    ) -> S:
        return self.select(Target(files, read, target_path, symbols, target_code, root))

    @abstractmethod
    def select(self, target: Target) -> S:
        """The tests to run for a target (none, and why, in `unavailable` or `notes`)."""

    @abstractmethod
    def tests_in(self, source: str) -> list[tuple[str, set[str]]]:
        """(test id inside the file, names it references) per test of a test file."""

    # -- the run ---------------------------------------------------------------------------

    def plan(
        self,
        interpreter: str,
        selection: S,
        model_tests: Mapping[str, Sequence[str]],
        run_dir: Path,
        sandbox_dir: Path,
        test_timeout_s: float,
        probe: BehaviourProbe | None = None,
    ) -> RunPlan:
        run = Run(interpreter, selection, model_tests, run_dir, sandbox_dir, test_timeout_s, probe)
        return self.plan_run(run)

    @abstractmethod
    def plan_run(self, run: Run[S]) -> RunPlan: ...

    @abstractmethod
    def read_results(
        self, results: str, selection: S, model_files: dict[str, str]
    ) -> list[TestOutcome]: ...

    def collection_error(self, outcomes: Sequence[TestOutcome], output: str) -> str:
        """The first line of the error that kept tests from being loaded at all (an import that
        failed), from the results or the run's output; "" when there was none."""
        return ""

    def behaviour_probe(
        self,
        module: str | None,
        target_code: str,
        sources: Sequence[str],
        edge_cases: Sequence[str],
    ) -> tuple[BehaviourProbe | None, str | None]:
        """The calls to compare across versions, or None and why not. The calls come from
        `sources` (the target, the tests, both families' tests) and the models' edge cases."""
        try:
            return self.probe(module, target_code, [*sources, *edge_cases]), None
        except NotCompared as why:
            return None, f"behaviour not compared: {why}"

    def smaller_calls(self, call: str, examples: Sequence[str] = ()) -> list[str]:
        """Calls one step simpler than `call`, simplest first, to shrink a difference found on
        it; with `examples` (literal calls), only ones whose arguments stay like theirs. None
        for a language that does not shrink."""
        return []

    def probe(self, module: str | None, target_code: str, sources: list[str]) -> BehaviourProbe:
        """The behaviour probe of `module` (how model tests import the target); raises
        NotCompared when there is none."""
        raise NotCompared(f"not supported for {self.spec.name} yet")


@dataclass(frozen=True)
class Regression:
    """What the user says the target must do, to be written as tests in its language:
    `expectations` are boolean expressions over the target's names (e.g.
    "count_up_to(3) == [1, 2, 3]"), reached the way model-written tests reach them."""

    expectations: Sequence[str]
    module: str  # how model tests reach the target (TestSupport.module_name)
    names: Sequence[str]  # the target's names
    root: Path | None = None
    target_path: str = ""  # workspace-relative

    def used_names(self) -> list[str]:
        """The target's names the expectations use, in the target's order."""
        words = {w for e in self.expectations for w in re.findall(r"[A-Za-z_$][\w$]*", e)}
        return [name for name in self.names if name in words]


class RegressionWriter(ABC):
    """A language's way to write the user's expectations as tests, found as `REGRESSION` in
    the language's package (its `regression.py`)."""

    def __init__(self, spec: LanguageSpec) -> None:
        self.spec = spec

    @abstractmethod
    def run_test(self, regression: Regression) -> str:
        """The expectations as one test file of a run, staged beside the models' tests (in
        the form a model-written test takes for this language)."""

    def expectation(self, call: str, value: str) -> str | None:
        """`call` returns `value`, as one expectation; None when either is not plain enough to
        write into the user's tests (a call of a target's name with literal arguments, and a
        literal value): both come from untrusted runs. By default: the language cannot."""
        return None

    def answer_test(
        self,
        regression: Regression,
        read: Callable[[str], str | None],
        is_folder: Callable[[str], bool],
    ) -> TestFileEdit | None:
        """The expectations as a regression test in the workspace's conventional test file for
        the target (`read(rel)` gives a file's current text, None when it does not exist);
        None when this language does not write them yet."""
        return None


@dataclass(frozen=True)
class TestFileEdit:
    """What answering a question writes: a new test file, or a block appended to one."""

    __test__ = False  # not a pytest class

    path: str  # workspace-relative
    text: str  # the whole file when `created`, else what is appended at its end
    created: bool


def test_slug(expression: str, limit: int = 40) -> str:
    """A name part made from an expression: "count_up_to(3) == [1]" -> "count_up_to_3_1"."""
    return re.sub(r"_+", "_", re.sub(r"\W", "_", expression)).strip("_")[:limit].strip("_")


WHOLE_CONVENTIONAL_FILE = 40  # tests; past this, a conventional file is filtered like the rest


def select_tests(
    files: Sequence[str],
    read: Callable[[str], str | None],
    is_test_file: Callable[[str], bool],
    tests_in: Callable[[str], list[tuple[str, set[str]]]],
    conventional: Iterable[str],
    symbols: Sequence[str],
    skip: Callable[[str, str], str | None] = lambda _rel, _source: None,
) -> TestSelection:
    """The tests that name one of the target's symbols, and every test of a small conventional
    test file of the target's (which may test it through other names); a large one gives only
    the tests that name a symbol. `tests_in(source)` gives (id inside the file, names it uses)
    per test; `skip(rel, source)` says why a test file is left out, if it is."""
    wanted, usual = set(symbols), set(conventional)
    selected: list[str] = []
    notes: list[str] = []
    suite_size = 0
    for rel in files:
        if not is_test_file(rel) or (source := read(rel)) is None:
            continue
        if (reason := skip(rel, source)) is not None:
            notes.append(reason)
            continue
        tests = tests_in(source)
        suite_size += len(tests)
        whole_file = rel in usual and len(tests) <= WHOLE_CONVENTIONAL_FILE
        selected += [
            f"{rel}::{test_id}" for test_id, names in tests if whole_file or wanted & names
        ]
    if not selected:
        named = ", ".join(sorted(wanted)) if wanted else "the selection"
        notes.append(f"no workspace tests reference {named}")
    return TestSelection(tuple(selected), (), suite_size, tuple(notes))


# -- workspace-relative paths (POSIX, "" for the workspace root) ---------------------------------


def join(folder: str, rel: str) -> str:
    return f"{folder}/{rel}" if folder else rel


def relative(path: str, folder: str) -> str:
    """`path` as seen from `folder`, which holds it: "" for the folder itself."""
    if path == folder:
        return ""
    if not folder:
        return path
    if not path.startswith(f"{folder}/"):
        raise ValueError(f"{path} is not inside {folder}")
    return path[len(folder) + 1 :]


def folder_holding(path: str, name: str, exists: Callable[[str], bool]) -> str | None:
    """The nearest folder above `path` holding a file `name`, as `exists(rel)` tells."""
    for folder in PurePosixPath(path).parents:
        rel = "" if str(folder) == "." else str(folder)
        if exists(join(rel, name)):
            return rel
    return None


def workspace_relative(root: Path, target_path: str) -> str | None:
    """The target's path from the workspace root (it may come absolute); None outside it."""
    path = Path(target_path)
    if not path.is_absolute():
        return path.as_posix()
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return None


# -- looking at the machine ----------------------------------------------------------------------


def run_tool(
    argv: Sequence[str], timeout: float = 60, env: Mapping[str, str] | None = None
) -> subprocess.CompletedProcess[str] | Exception:
    """A quick look at a program (its version, its paths), or the error that stopped it. It runs
    in "/": the server's own folder may be the workspace (VS Code starts it there), whose
    go.mod, rust-toolchain.toml or pytest.py would be read or run. Its environment is PATH
    alone unless `env` is given."""
    try:
        return subprocess.run(
            list(argv),
            capture_output=True,
            text=True,
            errors="replace",
            timeout=timeout,
            env=dict(env) if env is not None else {"PATH": os.environ.get("PATH", "")},
            cwd="/",
        )
    except (OSError, subprocess.SubprocessError) as error:
        return error


@functools.cache
def version_problem(
    argv: tuple[str, ...], env: tuple[tuple[str, str], ...], language: str, install: str
) -> str | None:
    """Why a runner's program cannot run (its version look fails), or None."""
    done = run_tool(argv, env={"PATH": os.environ.get("PATH", ""), **dict(env)})
    if isinstance(done, Exception):
        return f"not executed: no runner for {language} (install {install})"
    if done.returncode != 0:
        shown = (done.stderr or done.stdout).strip().splitlines()[:1]
        return f"not executed: `{' '.join(argv)}` failed: {' '.join(shown) or '?'}"
    return None


def clip(message: str) -> str:
    return message[:MESSAGE_LIMIT] + ("…" if len(message) > MESSAGE_LIMIT else "")
