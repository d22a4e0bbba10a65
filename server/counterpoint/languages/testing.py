"""What a language provides to run tests: discovery, the command, and reading the results.

Each language module may expose `TESTS`, an object with this shape. The executor in
`engine/execute.py` drives it and never needs to know which language it is.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from counterpoint.model.execution import BehaviourProbe, TestOutcome
from counterpoint.model.vocabulary import Outcome


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
        root: Path | None = None,
    ) -> TestSelection:
        """`root` is the user's workspace, to look at what the snapshot leaves out (installed
        dependencies); test files are read through `read`, from the snapshot."""

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

    def import_hint(self, module: str, root: Path | None = None, target_path: str = "") -> str:
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


# -- compiled languages: every family's tests are built with the code ---------------------------
#
# Go and Rust compile a package's tests together, so one family's tests that do not compile
# would break every test. Their runs go through one driver script: it builds with every family's
# tests, and when that fails keeps only the families whose tests compile on their own; the
# others are reported in the results as "did not compile" with the compiler's first lines.
# Each family's tests are written as `_counterpoint/model_<family>.<ext>`; the language says how
# to enable one (put it in the package), disable one (take it out again, last enabled first),
# build, and run the tests.

MODEL_DIR = "_counterpoint"
EXPECTED_FILE = f"{MODEL_DIR}/expected.txt"
MESSAGE_LIMIT = 400
_EXPECT = re.compile(r"^counterpoint: expect (\S+) (\S+) (\S+)$")
_FAMILY = re.compile(r"^counterpoint: family (\S+) (\S+)$")
_DROPPED = re.compile(r"^counterpoint: did not compile: (\S+)$")
_DROPPED_LINE = "counterpoint:   "

FAMILY_DRIVER = """\
results="$1"; shift
%(setup)s
build() {
%(build)s
}
enable() {
%(enable)s
}
disable() {
%(disable)s
}
cat %(expected)s > "$results"
families=$(ls %(model_dir)s/model_*.%(ext)s 2>/dev/null)
if [ -n "$families" ]; then
  for f in $families; do enable "$f"; done
  if ! build %(model_dir)s/build.log; then
    for f in $(printf '%%s\\n' $families | sort -r); do disable "$f"; done
    for f in $families; do
      enable "$f"
      if ! build "$f.log"; then
        disable "$f"
        name=$(basename "$f" .%(ext)s)
        echo "counterpoint: did not compile: ${name#model_}" >> "$results"
        %(errors)s < "$f.log" | head -n 6 | sed 's/^/counterpoint:   /' >> "$results"
      fi
    done
  fi
fi
%(run)s
"""


def family_driver(
    *, ext: str, build: str, enable: str, disable: str, errors: str, run: str, setup: str = ""
) -> str:
    """The driver script (POSIX sh, run as `sh DRIVER RESULTS ARGS…` in the run directory).
    `enable`/`disable` get the family's file as $1; `build` its log file as $1; `errors` is
    a filter picking the compiler's error lines from a log on stdin; `run` runs the tests,
    appending its output to "$results"."""
    return FAMILY_DRIVER % {
        "setup": setup,
        "build": build,
        "enable": enable,
        "disable": disable,
        "errors": errors,
        "run": run,
        "ext": ext,
        "expected": EXPECTED_FILE,
        "model_dir": MODEL_DIR,
    }


def safe_family(voice: str) -> str:
    return re.sub(r"[^A-Za-z0-9_]", "_", voice) or "model"


def family_file(family: str, ext: str) -> str:
    return f"{MODEL_DIR}/model_{family}.{ext}"


def expected_lines(families: Sequence[tuple[str, str, Sequence[str]]]) -> str:
    """The expected.txt the driver copies into the results first: each family (safe name,
    voice) and the names of the tests it wrote, as the runner will name them."""
    lines = []
    for family, voice, names in families:
        lines.append(f"counterpoint: family {family} {voice}")
        lines += [f"counterpoint: expect {family} {voice} {name}" for name in names]
    return "".join(f"{line}\n" for line in lines)


@dataclass
class FamilyLog:
    """What the driver wrote about the families, and the runner's own lines in order."""

    expected: dict[str, tuple[str, str]] = field(default_factory=dict)  # name -> (family, voice)
    families: dict[str, str] = field(default_factory=dict)  # family -> voice
    dropped: dict[str, list[str]] = field(default_factory=dict)  # family -> compiler lines
    lines: list[str] = field(default_factory=list)


def read_family_log(results: str) -> FamilyLog:
    log = FamilyLog()
    drop = None
    for line in results.splitlines():
        if match := _EXPECT.match(line):
            log.expected[match.group(3)] = (match.group(1), match.group(2))
        elif match := _FAMILY.match(line):
            log.families[match.group(1)] = match.group(2)
        elif match := _DROPPED.match(line):
            drop = match.group(1)
            log.dropped[drop] = []
        elif drop is not None and line.startswith(_DROPPED_LINE):
            log.dropped[drop].append(line.removeprefix(_DROPPED_LINE))
        else:
            log.lines.append(line)
    return log


def unrun_errors(
    log: FamilyLog,
    ran: set[str],
    workspace_ids: Sequence[str],
    build_failed: str,
    test_id: Callable[[str, str], str],
    family_id: Callable[[str], str],
) -> list[TestOutcome]:
    """Errors for the tests that did not run because something did not compile: the selected
    workspace tests when the code did not build, and each family's tests when its own did not
    (a family with no test names known gets one error). `test_id(family, name)` and
    `family_id(family)` name them."""
    outcomes = []
    if build_failed:
        message = clip(f"did not compile: {build_failed}")
        outcomes += [TestOutcome(t, "workspace", Outcome.ERROR, message) for t in workspace_ids]
        outcomes = [o for o in outcomes if o.id not in ran]
    for name, (family, voice) in log.expected.items():
        identifier = test_id(family, name)
        if identifier in ran:
            continue
        if family in log.dropped:
            why = "\n".join(log.dropped[family]) or "see the output"
            message = clip(f"{voice}'s tests did not compile: {why}")
        elif build_failed:
            message = clip(f"did not compile: {build_failed}")
        else:
            continue
        outcomes.append(TestOutcome(identifier, voice, Outcome.ERROR, message))
    named = {family for family, _ in log.expected.values()}
    for family, lines in log.dropped.items():
        if family not in named:
            voice = log.families.get(family, family)
            why = "\n".join(lines) or "see the output"
            message = clip(f"{voice}'s tests did not compile: {why}")
            outcomes.append(TestOutcome(family_id(family), voice, Outcome.ERROR, message))
    return outcomes


def clip(message: str) -> str:
    return message[:MESSAGE_LIMIT] + ("…" if len(message) > MESSAGE_LIMIT else "")
