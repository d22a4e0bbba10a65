"""What a language provides to run tests: discovery, the command, and reading the results.

Each language module may expose `TESTS`, an object with this shape. The executor in
`pipeline/execute.py` drives it and never needs to know which language it is.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol


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

    @property
    def empty(self) -> bool:
        return not self.test_ids and not self.doctest_files


@dataclass(frozen=True)
class TestOutcome:
    __test__ = False  # not a pytest class

    id: str
    source: str  # "workspace", "doctest", or the voice id of the family that wrote it
    outcome: str  # "passed" | "failed" | "error" | "skipped"
    message: str = ""
    duration_s: float = 0.0


@dataclass(frozen=True)
class BehaviourProbe:
    """Calls to run on every version of the code, to compare what they return."""

    module: str
    names: tuple[str, ...]
    calls: tuple[str, ...]
    # Where each call came from, in step with `calls`: "example" (written in code, docs or
    # tests), "derived" (examples varied) or "boundary" (values for type hints). Empty: all
    # are examples.
    origins: tuple[str, ...] = ()

    def origin(self, call: str) -> str:
        if len(self.origins) == len(self.calls) and call in self.calls:
            return self.origins[self.calls.index(call)]
        return "example"


@dataclass(frozen=True)
class RunPlan:
    """Everything needed to run one version of the code."""

    argv: list[str]
    env: dict[str, str]
    files: dict[str, str] = field(default_factory=dict)  # extra files to write in the run dir
    results_file: str = "results.xml"  # relative to the sandbox dir, not the run dir
    behaviour_file: str | None = None  # likewise, when a behaviour probe runs
    model_files: dict[str, str] = field(default_factory=dict)  # path -> the family that wrote it


class TestSupport(Protocol):
    runner_name: str  # e.g. "pytest", shown in reports

    def runner_available(self, interpreter: str) -> str | None:
        """None when the runner can run; otherwise why not, in words for the user."""

    def interpreter(self, root: Path, configured: str | None) -> str: ...

    def discover(
        self,
        files: Sequence[str],
        read: Callable[[str], str | None],
        target_path: str,
        symbols: Sequence[str],
        target_code: str,
    ) -> TestSelection: ...

    def plan(
        self,
        interpreter: str,
        selection: TestSelection,
        model_tests: dict[str, Sequence[str]],
        run_dir: Path,
        sandbox_dir: Path,
        test_timeout_s: float,
        probe: BehaviourProbe | None = None,
    ) -> RunPlan: ...

    def behaviour_probe(
        self,
        module: str | None,
        target_code: str,
        sources: Sequence[str],
        edge_cases: Sequence[str],
    ) -> tuple[BehaviourProbe | None, str | None]:
        """The calls to compare across versions, or None and why not."""

    def read_results(
        self, results: str, selection: TestSelection, model_files: dict[str, str]
    ) -> list[TestOutcome]: ...

    def import_hint(self, module: str) -> str:
        """One sentence for the proposers: how their tests will run and import the code."""

    def module_name(self, root: Path, target_path: str) -> str | None:
        """How tests import the target's module, for the proposers' prompt."""


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
