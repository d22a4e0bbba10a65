"""What differs between the runners a node package may use (node --test, vitest, jest): how
each is installed, described to the proposers, run and read back. Each has its own module;
support.py (NodeTests) does everything they share, and this module holds their common base and
the JSON report vitest and jest both write.

Tests are named as the runner names them: node by the test's own title, vitest and jest by the
full name, the titles of the enclosing `describe` blocks and the test's joined by spaces. They
are selected by an anchored name pattern over the files that hold them.
"""

from __future__ import annotations

import json
import re
from abc import ABC, abstractmethod
from collections.abc import Sequence
from pathlib import Path, PurePosixPath

from counterpoint.languages.javascript.package import NodeSelection, Package, installed_bin
from counterpoint.languages.testing import Run, clip
from counterpoint.model.execution import TestOutcome
from counterpoint.model.vocabulary import Outcome

PROBE_NAME = "counterpoint_differential"  # the differential probe's file, without its suffix
WHERE = "in a folder inside the project"  # where the model-written tests run
ESM_IMPORTS = "import { writeFileSync } from 'node:fs';\nimport { inspect } from 'node:util';\n"
_STATUS = {"passed": Outcome.PASSED, "failed": Outcome.FAILED}  # anything else is skipped
_STACK_LINE = re.compile(r"^\s+at ")
_ANSI = re.compile(r"\x1b\[[0-9;]*m")


class Runner(ABC):
    name = ""  # as package.json names it, and as reports show it
    full_names = True  # whether its test names hold the enclosing describe titles
    results_file = "results.json"  # in the run's writable area
    test_import = ""  # the line that gives an ES module `test`; "": a global

    def label(self, typescript: bool) -> str:
        return self.name

    def entry(self, root: Path | None, folder: str, typescript: bool) -> tuple[str, str | None]:
        """The runner's CLI script (from the package folder through node_modules), or "" and
        what is missing: vitest and jest run from the package's own installation."""
        path = installed_bin(root, folder, self.name)
        if path is None:
            return "", f"{self.name} is not installed: run npm install"
        return path, None

    def node_options(self, options: tuple[str, ...], typescript: bool) -> tuple[str, ...]:
        return options

    def model_suffix(self, typescript: bool) -> str:
        """The suffix of a model-written test file."""
        return ".ts" if typescript else ".mjs"

    def probe_imports(self, commonjs: bool) -> tuple[str, str]:
        """The probe's first lines (what gives it `test`, `writeFileSync` and `inspect`), and
        how it loads the target, with {} for the module's name."""
        return self.test_import + ESM_IMPORTS, "await import({})"

    @abstractmethod
    def hint(self, module: str, package: Package | None, typescript: bool) -> str:
        """The prompt's sentence on how the proposers' tests run."""

    @abstractmethod
    def command(
        self, run: Run[NodeSelection], paths: Sequence[str], pattern: str, timeout_ms: str
    ) -> tuple[list[str], dict[str, str]]:
        """The argv that runs the tests of `paths` (workspace-relative) whose names match
        `pattern`, and the files it needs written into the run besides them."""

    @abstractmethod
    def read_results(
        self, results: str, selection: NodeSelection, model_files: dict[str, str]
    ) -> list[TestOutcome]: ...


class JsonReportRunner(Runner):
    """vitest or jest: run by the package's own CLI, read from its JSON report."""

    @abstractmethod
    def options(
        self, run: Run[NodeSelection], output: str, pattern: str, timeout_ms: str
    ) -> list[str]:
        """The CLI's options, writing its JSON report to `output`."""

    def command(
        self, run: Run[NodeSelection], paths: Sequence[str], pattern: str, timeout_ms: str
    ) -> tuple[list[str], dict[str, str]]:
        options = self.options(run, run.output(self.results_file), pattern, timeout_ms)
        files = [str(run.run_dir / rel) for rel in paths]
        return [run.interpreter, run.selection.entry, *options, *files], {}

    def read_results(
        self, results: str, selection: NodeSelection, model_files: dict[str, str]
    ) -> list[TestOutcome]:
        """vitest's and jest's JSON reports: `testResults[]` per file (absolute `name`, a
        file-level `message`), each with `assertionResults[]` (`fullName`, `status`,
        `failureMessages`)."""
        wanted = selection.test_ids
        report = json.loads(results)
        selected = set(wanted)
        known = {test_id.split("::", 1)[0] for test_id in wanted} | set(model_files)
        outcomes: list[TestOutcome] = []
        seen_files: set[str] = set()
        for entry in report.get("testResults") or []:
            rel = _known_file(str(entry.get("name") or ""), known)
            if rel is None or is_probe(rel):
                continue  # not a file we asked for (the differential probe reports separately)
            seen_files.add(rel)
            source = model_files.get(rel, "workspace")
            assertions = entry.get("assertionResults") or []
            for test in assertions:
                titles = [*(test.get("ancestorTitles") or []), str(test.get("title") or "")]
                full = str(test.get("fullName") or " ".join(titles))
                test_id = f"{rel}::{full}"
                outcome = _STATUS.get(str(test.get("status")), Outcome.SKIPPED)
                if outcome == Outcome.SKIPPED and (
                    source != "workspace" or test_id not in selected
                ):
                    continue  # left out by the name filter, not run
                if source == "workspace" and test_id not in selected:
                    continue
                failures = test.get("failureMessages") or []
                message = _failure_message(str(failures[0])) if failures else ""
                duration = float(test.get("duration") or 0) / 1000
                outcomes.append(TestOutcome(test_id, source, outcome, message, duration))
            file_message = _failure_message(str(entry.get("message") or ""))
            if not assertions and file_message:  # the file did not load: its tests cannot run
                ids = [t for t in wanted if t.startswith(f"{rel}::")] or [rel]
                outcomes += [TestOutcome(t, source, Outcome.ERROR, file_message) for t in ids]
        for rel, voice in model_files.items():
            if rel not in seen_files and not is_probe(rel):
                why = "the runner did not pick this file up (its include patterns leave it out)"
                outcomes.append(TestOutcome(rel, voice, Outcome.ERROR, f"not run: {why}"))
        return outcomes


def is_probe(rel: str) -> bool:
    return PurePosixPath(rel).name.startswith(PROBE_NAME)


def _known_file(name: str, known: set[str]) -> str | None:
    """The workspace-relative file an absolute path in a report is: the runs are given exact
    paths, so each reported file ends with one of them."""
    matches = [rel for rel in known if name == rel or name.endswith(f"/{rel}")]
    return max(matches, key=len) if matches else None


def _failure_message(text: str) -> str:
    lines = [line for line in _ANSI.sub("", text).splitlines() if not _STACK_LINE.match(line)]
    return clip("\n".join(lines).strip())
