"""node's own runner, `node --test`: for TypeScript only through tsx. Its JUnit reporter does not
say which file a test came from, so a tiny reporter (scripts/reporter.mjs, written into the run)
emits one JSON object per test with its file."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

from counterpoint.languages.javascript.package import (
    NODE_TEST,
    NodeSelection,
    Package,
    installed_bin,
)
from counterpoint.languages.javascript.runner import WHERE, Runner, is_probe
from counterpoint.languages.spec import script
from counterpoint.languages.testing import MODEL_DIR, Run, clip, join, relative
from counterpoint.model.execution import TestOutcome
from counterpoint.model.vocabulary import Outcome

REPORTER = "reporter.mjs"


class NodeTestRunner(Runner):
    name = NODE_TEST
    full_names = False
    results_file = "results.jsonl"
    test_import = "import test from 'node:test';\n"

    def label(self, typescript: bool) -> str:
        return "node --test with tsx" if typescript else self.name

    def entry(self, root: Path | None, folder: str, typescript: bool) -> tuple[str, str | None]:
        if typescript and installed_bin(root, folder, "tsx") is None:
            return "", "tsx is not installed: run npm install"
        return "", None  # node itself runs the tests

    def node_options(self, options: tuple[str, ...], typescript: bool) -> tuple[str, ...]:
        return ("--import", "tsx", *options) if typescript else options

    def hint(self, module: str, package: Package | None, typescript: bool) -> str:
        how = "`node --test` (TypeScript through tsx)" if typescript else "`node --test`"
        return (
            f"Your tests run with {how} as ES modules {WHERE}: import `test` from 'node:test' and "
            f"`assert` from 'node:assert/strict', and the code under test from '{module}'."
        )

    def command(
        self, run: Run[NodeSelection], paths: Sequence[str], pattern: str, timeout_ms: str
    ) -> tuple[list[str], dict[str, str]]:
        folder = run.selection.package_dir
        argv = [
            run.interpreter,
            "--test",
            f"--test-reporter=./{MODEL_DIR}/{REPORTER}",
            f"--test-reporter-destination={run.output(self.results_file)}",
            f"--test-timeout={timeout_ms}",
            f"--test-name-pattern={pattern}",
            *(relative(rel, folder) for rel in paths),  # run from the package's folder
        ]
        reporter = script(__package__ or "", REPORTER)
        return argv, {join(folder, f"{MODEL_DIR}/{REPORTER}"): reporter}

    def read_results(
        self, results: str, selection: NodeSelection, model_files: dict[str, str]
    ) -> list[TestOutcome]:
        outcomes = []
        for line in results.splitlines():
            try:
                event = json.loads(line)
            except ValueError:
                continue
            if not isinstance(event, dict) or event.get("kind") == "suite":
                continue
            # The reporter gives files from the package's folder, where the run starts.
            rel = join(selection.package_dir, str(event.get("file") or ""))
            if is_probe(rel):
                continue
            name = str(event.get("name"))
            outcomes.append(
                TestOutcome(
                    f"{rel}::{name}",
                    model_files.get(rel, "workspace"),
                    Outcome.parse(event.get("status"), Outcome.SKIPPED),
                    clip(str(event.get("message") or "").strip()),
                    float(event.get("duration_ms") or 0) / 1000,
                )
            )
        return outcomes
