"""Compiled languages (Go, Rust): every family's tests are built with the code.

Go and Rust compile a package's tests together, so one family's tests that do not compile would
break every test. Their runs go through one driver script: it builds with every family's tests,
and when that fails keeps only the families whose tests compile on their own; the others are
reported in the results as "did not compile" with the compiler's first lines. Each family's
tests are written as `_counterpoint/model_<family>.<ext>`; the language says how to enable one
(put it in the package), disable one (take it out again, last enabled first), build, and run the
tests.
"""

from __future__ import annotations

import re
from abc import abstractmethod
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from counterpoint.languages.testing import MODEL_DIR, Run, S, TestSupport, clip
from counterpoint.model.execution import TestOutcome
from counterpoint.model.vocabulary import Outcome

EXPECTED_FILE = f"{MODEL_DIR}/expected.txt"
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


class CompiledTests(TestSupport[S]):
    """Test support for a language whose runs go through the family driver: a run writes the
    driver, each family's tests as one file and what they are expected to be named; its results
    are the runner's output after the driver's lines about the families."""

    extension = ""  # of a family's file
    driver_file = ""  # run-relative
    driver = ""  # the script, from family_driver()

    @abstractmethod
    def family_source(self, selection: S, family: str, tests: Sequence[str]) -> str:
        """One family's tests as the file the driver puts into the package."""

    def family_test_names(self, selection: S, source: str) -> list[str]:
        """The names the runner gives the tests of a family's file."""
        return [name for name, _ in self.tests_in(source)]

    def family_files(self, run: Run[S]) -> tuple[dict[str, str], list[str]]:
        """The run's files (the driver, each family's tests and expected.txt) and the names of
        every family's tests."""
        files = {self.driver_file: self.driver}
        names: list[str] = []
        families = []
        for voice, tests in run.model_tests.items():
            if not tests:
                continue
            family = safe_family(voice)
            source = self.family_source(run.selection, family, tests)
            files[family_file(family, self.extension)] = source
            found = self.family_test_names(run.selection, source)
            names += found
            families.append((family, voice, found))
        files[EXPECTED_FILE] = expected_lines(families)
        return files, names

    def read_results(
        self, results: str, selection: S, model_files: dict[str, str]
    ) -> list[TestOutcome]:
        log = read_family_log(results)
        outcomes, compile_errors = self.read_output(log, selection)
        return outcomes + unrun_errors(
            log,
            {outcome.id for outcome in outcomes},
            selection.test_ids,
            "\n".join(compile_errors[:6]),
            lambda family, name: self.family_test_id(selection, family, name),
            lambda family: self.family_id(selection, family),
        )

    @abstractmethod
    def read_output(self, log: FamilyLog, selection: S) -> tuple[list[TestOutcome], list[str]]:
        """The outcomes of the tests that ran, and the compiler's error lines, in order."""

    @abstractmethod
    def family_test_id(self, selection: S, family: str, name: str) -> str:
        """The id of a family's test that the runner names `name`."""

    @abstractmethod
    def family_id(self, selection: S, family: str) -> str:
        """What a family's tests are reported as when none of their names is known."""


def qualified(file: str, name: str) -> str:
    """A test's id: its workspace-relative file and its name inside it."""
    return f"{file}::{name}"
