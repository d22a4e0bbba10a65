"""JavaScript and TypeScript tests under node: `node --test`, vitest or jest, whichever the package
uses, selected with tree-sitter and read back as structured per-test results.

The package is the nearest folder above the target holding a package.json. Its runner is the one
its `test` script names, else the one among its dependencies (vitest, then jest), else node's own
(`node --test`; for TypeScript only with tsx, since node 20 cannot run TypeScript by itself).
vitest and jest run from the workspace's own node_modules: the snapshot leaves node_modules out,
so each run links it in entry by entry (`RunPlan.links`) rather than copying it, and a package
whose runner is not installed is reported as not executed, with the command that fixes it.

Results: node's own JUnit reporter does not say which file a test came from, so a tiny reporter
module (written into the run) emits one JSON object per test with its file; vitest and jest
write their JSON reports (`--reporter=json` / `--json`), which share one shape. Tests are named
as the runner names them: node by the test's own title, vitest and jest by the full name, the
titles of the enclosing `describe` blocks and the test's joined by spaces. They are selected by
an anchored name pattern (`--test-name-pattern`, `-t`, `--testNamePattern`) over the files
that hold them.

Model-written tests go in `_counterpoint/` inside the package, one file per test, and import the
target by a relative path, which the prompt tells the models along with the runner.
"""

from __future__ import annotations

import functools
import json
import os
import re
import shutil
import subprocess
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

import tree_sitter

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
PROBE_NAME = "counterpoint_differential"
PROBE_TEST = "counterpoint differential"
TEST_RUNNERS = frozenset({"test", "it"})
GROUPS = frozenset({"describe", "suite", "context"})
MAX_CALLS = 200
MESSAGE_LIMIT = 400

NODE_TEST, VITEST, JEST = "node --test", "vitest", "jest"
# What a test file importing these is written for.
_FRAMEWORK_IMPORTS = (
    (VITEST, re.compile(r"""(from\s+|require\(\s*|import\(\s*)['"]vitest['"]""")),
    (JEST, re.compile(r"""(from\s+|require\(\s*|import\(\s*)['"]@jest/globals['"]""")),
    (NODE_TEST, re.compile(r"""(from\s+|require\(\s*|import\(\s*)['"]node:test['"]""")),
)
# Anything else (pending, todo…) is skipped.
_STATUS = {"passed": Outcome.PASSED, "failed": Outcome.FAILED}
_STACK_LINE = re.compile(r"^\s+at ")
_ANSI = re.compile(r"\x1b\[[0-9;]*m")

REPORTER = """
import { relative } from 'node:path';

export default async function* reporter(source) {
  for await (const event of source) {
    if (event.type !== 'test:pass' && event.type !== 'test:fail') continue;
    const d = event.data;
    const error = d.details?.error;
    yield JSON.stringify({
      status: event.type === 'test:pass' ? (d.skip || d.todo ? 'skipped' : 'passed') : 'failed',
      name: d.name, file: d.file ? relative(process.cwd(), d.file) : null,
      nesting: d.nesting, kind: d.details?.type ?? 'test',
      message: error ? String(error.cause?.message ?? error.message ?? error).slice(0, 2000) : '',
      duration_ms: d.details?.duration_ms ?? 0,
    }) + '\\n';
  }
}
"""

# The differential probe: one test that calls every version's functions on the same inputs.
# %(header)s brings `test`, `writeFileSync` and `inspect`; %(load)s loads the target module.
PROBE = """%(header)s
const CALLS = %(calls)s;
const NAMES = %(names)s;

test(%(test_name)s, async () => {
  let scope = null;
  try {
    const loaded = %(load)s;
    scope = { ...(loaded.default ?? {}), ...loaded };
  } catch (error) {
    scope = null;
  }
  const results = [];
  for (const call of CALLS) {
    const run = () => {
      try {
        if (!scope || NAMES.some((n) => typeof scope[n] !== 'function')) {
          return { ok: false, exception: 'NotExported' };
        }
        const fn = new Function(...NAMES, 'return (' + call + ');');
        const value = fn(...NAMES.map((n) => scope[n]));
        return { ok: true, value: inspect(value, { sorted: true, depth: 20 }).slice(0, 2000) };
      } catch (error) {
        return { ok: false, exception: error?.constructor?.name ?? typeof error };
      }
    };
    const first = run(), second = run();
    const entry = { call, ...first };
    if (JSON.stringify(first) !== JSON.stringify(second)) entry.unstable = true;
    results.push(entry);
  }
  writeFileSync(process.env.COUNTERPOINT_DIFF_OUT, JSON.stringify(results));
});
"""
_ESM_PROBE_IMPORTS = (
    "import { writeFileSync } from 'node:fs';\nimport { inspect } from 'node:util';\n"
)
_PROBE_HEADERS = {
    NODE_TEST: "import test from 'node:test';\n" + _ESM_PROBE_IMPORTS,
    VITEST: "import { test } from 'vitest';\n" + _ESM_PROBE_IMPORTS,
    JEST: _ESM_PROBE_IMPORTS,  # `test` is a jest global
}
_CJS_PROBE_HEADER = (
    "const { writeFileSync } = require('node:fs');\nconst { inspect } = require('node:util');\n"
)


@dataclass(frozen=True)
class Package:
    """What a package.json says about running the package's tests."""

    folder: str  # workspace-relative, "" at the root
    framework: str | None  # None: nothing this language can run
    commonjs: bool = False  # jest loads test files as CommonJS unless told otherwise
    node_options: tuple[str, ...] = ()  # e.g. --experimental-vm-modules from the test script
    why_not: str = ""  # when framework is None


@dataclass(frozen=True)
class NodeSelection(TestSelection):
    """A selection that also knows the package, its runner and where that runner is installed."""

    __test__ = False

    framework: str = NODE_TEST
    package_dir: str = ""  # workspace-relative folder holding package.json, "" at the root
    entry: str = ""  # the runner's CLI script, from the package folder through node_modules
    links: tuple[tuple[str, str], ...] = ()  # (run-relative node_modules, its absolute origin)
    node_options: tuple[str, ...] = ()
    commonjs: bool = False


class NodeTests:
    """Test support for a language that runs under node (JavaScript; TypeScript through the
    package's vitest, jest or tsx)."""

    def __init__(self, spec: LanguageSpec, *, typescript: bool = False) -> None:
        self.spec = spec
        self.typescript = typescript
        self.runner_name = "vitest, jest or node --test with tsx" if typescript else NODE_TEST
        # Test files the language's grammar parses (.tsx needs the TSX grammar, not loaded here).
        self.test_suffixes = (
            (".ts", ".mts", ".cts") if typescript else (".js", ".mjs", ".cjs", ".jsx")
        )

    def interpreter(self, root: Path, configured: str | None) -> str:
        return configured or shutil.which("node") or "node"

    def runner_available(self, interpreter: str) -> str | None:
        return _node_missing(interpreter, self.spec.name)

    # -- the prompt ------------------------------------------------------------------------

    def import_hint(self, module: str, root: Path | None = None, target_path: str = "") -> str:
        package = self._package_on_disk(root, target_path) if root is not None else None
        framework = package.framework if package is not None else NODE_TEST
        where = "in a folder inside the project"
        if framework == VITEST:
            return (
                f"Your tests run with vitest {where}: import `describe`, `it`/`test` and `expect` "
                f"from 'vitest', and the code under test from '{module}'."
            )
        if framework == JEST:
            load = (
                f"load the code under test with `require('{module}')`"
                if package is not None and package.commonjs
                else f"import the code under test from '{module}'"
            )
            globals_ = "`describe`, `test` and `expect` are globals"
            return f"Your tests run with jest {where} ({globals_}): {load}."
        how = "`node --test` (TypeScript through tsx)" if self.typescript else "`node --test`"
        return (
            f"Your tests run with {how} as ES modules {where}: import `test` from 'node:test' and "
            f"`assert` from 'node:assert/strict', and the code under test from '{module}'."
        )

    def module_name(self, root: Path, target_path: str) -> str | None:
        """The target as a model test in `<package>/_counterpoint/` imports it."""
        path = Path(target_path)
        if path.is_absolute():
            try:
                path = path.relative_to(root)
            except ValueError:
                return None
        rel = path.as_posix()
        folder = _package_folder(rel, lambda candidate: (root / candidate).is_file())
        inner = _relative(folder, rel)
        if self.typescript and inner.endswith(".ts") and not inner.endswith(".d.ts"):
            inner = inner[: -len(".ts")]  # vite, jest and tsx resolve it without the suffix
        return f"../{inner}"

    # -- discovery -------------------------------------------------------------------------

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
        folder = _package_folder(target_path, present.__contains__)
        package = self._package(folder, read(_join(folder, "package.json")))
        if package.framework is None:
            return NodeSelection(unavailable=package.why_not, package_dir=folder)
        framework = package.framework
        links = _node_modules(root, folder)
        entry, missing = "", None
        if framework in (VITEST, JEST):
            entry_path = _installed_bin(root, folder, framework)
            if entry_path is None:
                missing = f"{framework} is not installed: run npm install"
            else:
                entry = entry_path
        elif self.typescript and _installed_bin(root, folder, "tsx") is None:
            missing = "tsx is not installed: run npm install"
        if missing:
            return NodeSelection(
                unavailable=f"not executed: no runner for {self.spec.name} ({missing})",
                runner=_runner_label(framework, self.typescript),
                framework=framework,
                package_dir=folder,
            )
        prefix = f"{folder}/" if folder else ""
        in_package = [rel for rel in files if rel.startswith(prefix)]

        def skip(rel: str, source: str) -> str | None:
            for other, pattern in _FRAMEWORK_IMPORTS:
                if other != framework and pattern.search(source):
                    return f"{rel} is written for {other}, but the package runs {framework}"
            return None

        selection = select_tests(
            in_package,
            read,
            self._is_test_file,
            functools.partial(self.tests_in, full_names=framework != NODE_TEST),
            _conventional_test_files(target_path, folder),
            symbols,
            skip=skip,
        )
        options = package.node_options
        if framework == NODE_TEST and self.typescript:
            options = ("--import", "tsx", *options)
        return NodeSelection(
            selection.test_ids,
            (),
            selection.suite_size,
            selection.notes,
            runner=_runner_label(framework, self.typescript),
            framework=framework,
            package_dir=folder,
            entry=entry,
            installed=_installed_state(links),
            links=tuple(links),
            node_options=options,
            commonjs=package.commonjs,
        )

    def _package(self, folder: str, text: str | None) -> Package:
        try:
            data = json.loads(text) if text else {}
        except ValueError:
            data = {}
        data = data if isinstance(data, dict) else {}
        scripts = data.get("scripts")
        script = str(scripts.get("test") or "") if isinstance(scripts, dict) else ""
        deps: dict[str, Any] = {}
        for key in ("dependencies", "devDependencies"):
            if isinstance(data.get(key), dict):
                deps.update(data[key])
        framework = None
        for name in (VITEST, JEST):
            if re.search(rf"(^|[\s/&;|(]){name}($|[\s;&|)])", script):
                framework = name
                break
        if framework is None and re.search(r"\bnode\b[^;&|]*--test\b", script):
            framework = NODE_TEST
        if framework is None:
            framework = next((name for name in (VITEST, JEST) if name in deps), NODE_TEST)
        tsx = "tsx" in deps or re.search(r"\btsx\b", script) is not None
        if framework == NODE_TEST and self.typescript and not tsx:
            return Package(
                folder,
                None,
                why_not=(
                    f"not executed: no runner for typescript ({_join(folder, 'package.json')} "
                    "names no vitest, jest or tsx, and node cannot run TypeScript by itself)"
                    if text is not None
                    else "not executed: no runner for typescript (no package.json above the "
                    "file to say whether it uses vitest, jest or tsx)"
                ),
            )
        options = ("--experimental-vm-modules",) if "--experimental-vm-modules" in script else ()
        return Package(folder, framework, data.get("type") != "module", options)

    def _package_on_disk(self, root: Path, target_path: str) -> Package:
        folder = _package_folder(target_path, lambda candidate: (root / candidate).is_file())
        return self._package(folder, read_workspace_text(root / _join(folder, "package.json")))

    def _is_test_file(self, rel: str) -> bool:
        path = PurePosixPath(rel)
        if path.suffix not in self.test_suffixes or path.name.endswith(".d.ts"):
            return False
        name = path.name
        in_test_dir = any(part in ("test", "tests", "__tests__") for part in path.parts[:-1])
        return ".test." in name or ".spec." in name or in_test_dir

    # -- the run ---------------------------------------------------------------------------

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
        node = selection if isinstance(selection, NodeSelection) else NodeSelection()
        framework, folder = node.framework, node.package_dir
        suffix = self._model_suffix(node)
        model_dir = _join(folder, MODEL_TESTS_DIR)
        files: dict[str, str] = {}
        written = {
            f"{model_dir}/from_{voice}_{index}.test{suffix}": (voice, test)
            for voice, tests in model_tests.items()
            for index, test in enumerate(tests, 1)
        }
        model_files = {path: voice for path, (voice, _) in written.items()}
        files.update({path: test for path, (_, test) in written.items()})
        names = [test_id.split("::", 1)[1] for test_id in selection.test_ids]
        full_names = framework != NODE_TEST
        for _, test in written.values():
            names += [name for name, _ in self.tests_in(test, full_names=full_names)]
        env = {"NODE_OPTIONS": " ".join([*_node_flags(interpreter), *node.node_options])}
        env["NO_COLOR"] = "1"
        probe_files = []
        if probe is not None:
            probe_path = f"{model_dir}/{PROBE_NAME}.test{suffix}"
            files[probe_path] = self._probe_source(node, probe)
            probe_files.append(probe_path)
            names.append(PROBE_TEST)
            env["COUNTERPOINT_DIFF_OUT"] = str(sandbox_dir / "behaviour.json")
        test_files = sorted({test_id.split("::", 1)[0] for test_id in selection.test_ids})
        pattern = "^(" + "|".join(re.escape(name) for name in sorted(set(names))) + ")$"
        everything = [*test_files, *model_files, *probe_files]
        timeout_ms = str(int(test_timeout_s * 1000))
        links = {run_rel: origin for run_rel, origin in node.links}
        behaviour = "behaviour.json" if probe is not None else None
        if framework == NODE_TEST:
            files[f"{model_dir}/reporter.mjs"] = REPORTER
            argv = [
                interpreter,
                "--test",
                f"--test-reporter=./{MODEL_TESTS_DIR}/reporter.mjs",
                f"--test-reporter-destination={sandbox_dir / 'results.jsonl'}",
                f"--test-timeout={timeout_ms}",
                f"--test-name-pattern={pattern}",
                *(_relative(folder, rel) for rel in everything),
            ]
            results = "results.jsonl"
        else:
            results = "results.json"
            paths = [str(run_dir / rel) for rel in everything]
            output = str(sandbox_dir / results)
            if framework == VITEST:
                options = ["run", "--reporter=json", f"--outputFile={output}", "--passWithNoTests"]
                options += [f"--testTimeout={timeout_ms}", "-t", pattern]
            else:
                options = ["--json", f"--outputFile={output}", "--ci", "--runInBand"]
                options += [f"--cacheDirectory={sandbox_dir / 'jest-cache'}", "--watchman=false"]
                options += [f"--testTimeout={timeout_ms}", f"--testNamePattern={pattern}"]
                options += ["--passWithNoTests", "--runTestsByPath"]
            argv = [interpreter, node.entry, *options, *paths]
        return RunPlan(
            argv=argv,
            env=env,
            files=files,
            results_file=results,
            behaviour_file=behaviour,
            model_files=model_files,
            links=links,
            cwd=folder,
        )

    def _model_suffix(self, node: NodeSelection) -> str:
        if self.typescript:
            return ".ts"
        if node.framework == JEST:
            return ".js"  # CommonJS or ESM, as the package's own .js files are
        return ".mjs"

    def _probe_source(self, node: NodeSelection, probe: BehaviourProbe) -> str:
        module = json.dumps(probe.module)
        if node.framework == JEST and node.commonjs:
            header, load = _CJS_PROBE_HEADER, f"require({module})"
        else:
            header, load = _PROBE_HEADERS[node.framework], f"await import({module})"
        if self.typescript:
            header = "// @ts-nocheck\n" + header
        return PROBE % {
            "header": header,
            "calls": json.dumps(list(probe.calls)),
            "names": json.dumps(list(probe.names)),
            "load": load,
            "test_name": json.dumps(PROBE_TEST),
        }

    # -- results ---------------------------------------------------------------------------

    def read_results(
        self, results: str, selection: TestSelection, model_files: dict[str, str]
    ) -> list[TestOutcome]:
        node = selection if isinstance(selection, NodeSelection) else NodeSelection()
        if node.framework == NODE_TEST:
            return _read_node_events(results, node.package_dir, model_files)
        return _read_json_report(results, selection.test_ids, model_files)

    # -- differential testing --------------------------------------------------------------

    def behaviour_probe(
        self,
        module: str | None,
        target_code: str,
        sources: Sequence[str],
        edge_cases: Sequence[str],
    ) -> tuple[BehaviourProbe | None, str | None]:
        if not module:
            return None, "behaviour not compared: the module cannot be imported"
        names = self._top_level_functions(target_code)
        if not names:
            return None, "behaviour not compared: the selection holds no top-level function"
        calls: dict[str, None] = {}
        for source in [*sources, *edge_cases]:
            for call in self._literal_calls(source, set(names)):
                calls.setdefault(call, None)
        if not calls:
            return None, "behaviour not compared: no calls with literal arguments were found"
        return BehaviourProbe(module, tuple(names), tuple(list(calls)[:MAX_CALLS])), None

    # -- tree-sitter helpers ---------------------------------------------------------------

    def _parse(self, source: str) -> tree_sitter.Tree:
        return self.spec.parser().parse(source.encode("utf-8"))

    def tests_in(self, source: str, full_names: bool = False) -> list[tuple[str, set[str]]]:
        """(name, names referenced) per `test(…)`/`it(…)` call with a literal name. With
        `full_names`, the name is prefixed by the enclosing `describe(…)` titles, as vitest and
        jest name their tests."""
        tree = self._parse(source)
        references = self.spec.query("references")
        found = []
        captures = tree_sitter.QueryCursor(self.spec.query("tests")).matches(tree.root_node)
        for _, match in captures:
            runner = _text(match["test.runner"][0])
            if runner not in TEST_RUNNERS:
                continue
            call = match["test.call"][0]
            cursor = tree_sitter.QueryCursor(references)
            cursor.set_byte_range(call.start_byte, call.end_byte)
            names = {_text(n) for nodes in cursor.captures(tree.root_node).values() for n in nodes}
            title = _text(match["test.name"][0])
            if full_names:
                title = " ".join([*_group_titles(call), title])
            found.append((title, names))
        return found

    def _top_level_functions(self, code: str) -> list[str]:
        tree = self._parse(code)
        names = []
        for node in tree.root_node.children:
            target = (
                node.child_by_field_name("declaration") if node.type == "export_statement" else node
            )
            if target is None:
                continue
            if target.type == "function_declaration":
                name = target.child_by_field_name("name")
                if name is not None:
                    names.append(_text(name))
            elif target.type == "lexical_declaration":
                for declarator in target.named_children:
                    value = declarator.child_by_field_name("value")
                    name = declarator.child_by_field_name("name")
                    if (
                        value is not None
                        and name is not None
                        and value.type in ("arrow_function", "function_expression")
                    ):
                        names.append(_text(name))
        return names

    def _literal_calls(self, source: str, names: set[str]) -> list[str]:
        tree = self._parse(source)
        found = []
        stack = [tree.root_node]
        while stack:
            node = stack.pop()
            stack.extend(reversed(node.children))
            if node.type != "call_expression":
                continue
            function = node.child_by_field_name("function")
            arguments = node.child_by_field_name("arguments")
            if function is None or arguments is None or _text(function) not in names:
                continue
            if all(_is_literal(arg) for arg in arguments.named_children):
                found.append(_text(node))
        return found


# -- results ---------------------------------------------------------------------------------


def _read_node_events(
    results: str, package_dir: str, model_files: dict[str, str]
) -> list[TestOutcome]:
    outcomes = []
    for line in results.splitlines():
        try:
            event = json.loads(line)
        except ValueError:
            continue
        if not isinstance(event, dict) or event.get("kind") == "suite":
            continue
        rel = _join(package_dir, str(event.get("file") or ""))  # reported from the package
        if PurePosixPath(rel).name.startswith(PROBE_NAME):
            continue
        name = str(event.get("name"))
        outcomes.append(
            TestOutcome(
                f"{rel}::{name}",
                model_files.get(rel, "workspace"),
                Outcome.parse(event.get("status"), Outcome.SKIPPED),
                _clip(str(event.get("message") or "").strip()),
                float(event.get("duration_ms") or 0) / 1000,
            )
        )
    return outcomes


def _read_json_report(
    results: str, wanted: Sequence[str], model_files: dict[str, str]
) -> list[TestOutcome]:
    """vitest's and jest's JSON reports: `testResults[]` per file (absolute `name`, a file-level
    `message`), each with `assertionResults[]` (`fullName`, `status`, `failureMessages`)."""
    report = json.loads(results)
    selected = set(wanted)
    known = {test_id.split("::", 1)[0] for test_id in wanted} | set(model_files)
    outcomes: list[TestOutcome] = []
    seen_files: set[str] = set()
    for entry in report.get("testResults") or []:
        rel = _known_file(str(entry.get("name") or ""), known)
        if rel is None or PurePosixPath(rel).name.startswith(PROBE_NAME):
            continue  # not a file we asked for (the differential probe reports separately)
        seen_files.add(rel)
        source = model_files.get(rel, "workspace")
        assertions = entry.get("assertionResults") or []
        for test in assertions:
            titles = [*(test.get("ancestorTitles") or []), str(test.get("title") or "")]
            full = str(test.get("fullName") or " ".join(titles))
            test_id = f"{rel}::{full}"
            outcome = _STATUS.get(str(test.get("status")), Outcome.SKIPPED)
            if outcome == Outcome.SKIPPED and (source != "workspace" or test_id not in selected):
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
        if rel not in seen_files and not PurePosixPath(rel).name.startswith(PROBE_NAME):
            why = "the runner did not pick this file up (its include patterns leave it out)"
            outcomes.append(TestOutcome(rel, voice, Outcome.ERROR, f"not run: {why}"))
    return outcomes


def _known_file(name: str, known: set[str]) -> str | None:
    """The workspace-relative file an absolute path in a report is: the runs are given exact
    paths, so each reported file ends with one of them."""
    matches = [rel for rel in known if name == rel or name.endswith(f"/{rel}")]
    return max(matches, key=len) if matches else None


def _failure_message(text: str) -> str:
    lines = [line for line in _ANSI.sub("", text).splitlines() if not _STACK_LINE.match(line)]
    return _clip("\n".join(lines).strip())


# -- packages --------------------------------------------------------------------------------


def _package_folder(target_path: str, exists: Callable[[str], bool]) -> str:
    """The nearest workspace-relative folder above the target holding a package.json."""
    for folder in PurePosixPath(target_path).parents:
        rel = "" if str(folder) == "." else str(folder)
        if exists(_join(rel, "package.json")):
            return rel
    return ""


def _node_modules(root: Path | None, folder: str) -> list[tuple[str, str]]:
    """Every node_modules from the package's folder up to the workspace root, as node looks."""
    if root is None:
        return []
    found = []
    parts = PurePosixPath(folder).parts if folder else ()
    for depth in range(len(parts), -1, -1):
        rel = "/".join(parts[:depth])
        origin = root.joinpath(*parts[:depth], "node_modules")
        # A link out of the workspace is not shown: bubblewrap would bind where it leads.
        if origin.is_dir() and inside_workspace(origin, root):
            found.append((_join(rel, "node_modules"), str(origin)))
    return found


def _installed_state(links: Sequence[tuple[str, str]]) -> str:
    """Each linked node_modules as npm leaves it after an install: the folder's and its hidden
    lockfile's times and sizes (npm rewrites `.package-lock.json` on every install)."""
    state = []
    for _, origin in links:
        for path in (Path(origin), Path(origin) / ".package-lock.json"):
            try:
                stat = path.stat()
            except OSError:
                continue
            state.append(f"{path}:{stat.st_mtime_ns}:{stat.st_size}")
    return "\n".join(state)


def _installed_bin(root: Path | None, folder: str, name: str) -> str | None:
    """The package's CLI script as the package folder reaches it, if installed."""
    if root is None:
        return None
    parts = PurePosixPath(folder).parts if folder else ()
    for depth in range(len(parts), -1, -1):
        installed = root.joinpath(*parts[:depth], "node_modules", name)
        try:
            manifest = json.loads(read_workspace_text(installed / "package.json") or "")
        except ValueError:
            continue
        bin_field = manifest.get("bin") if isinstance(manifest, dict) else None
        script = bin_field.get(name) if isinstance(bin_field, dict) else bin_field
        if not isinstance(script, str):
            continue
        up = "../" * (len(parts) - depth)
        return f"{up}node_modules/{name}/{PurePosixPath(script).as_posix().removeprefix('./')}"
    return None


def _runner_label(framework: str, typescript: bool) -> str:
    return "node --test with tsx" if framework == NODE_TEST and typescript else framework


def _conventional_test_files(target_path: str, package_dir: str) -> list[str]:
    """Where a package keeps the target's own tests: beside it, in __tests__ beside it, or in
    the package's test/ or tests/ folder."""
    path = PurePosixPath(target_path)
    stem, folder, suffix = path.stem, path.parent, path.suffix
    package = PurePosixPath(package_dir or ".")
    names = [f"{stem}.test{suffix}", f"{stem}.spec{suffix}", f"{stem}.test.mjs", f"{stem}.test.js"]
    places = (folder, folder / "__tests__", package / "test", package / "tests")
    candidates = []
    for name in names:
        for place in places:
            candidates.append(place / name)
    return [str(c) for c in candidates]


# -- tree-sitter -----------------------------------------------------------------------------


def _group_titles(call: tree_sitter.Node) -> list[str]:
    """The titles of the describe(…) blocks around a test call, outermost first."""
    titles: list[str] = []
    node = call.parent
    while node is not None:
        if node.type == "call_expression":
            function = node.child_by_field_name("function")
            if function is not None and function.type == "member_expression":
                function = function.child_by_field_name("object")  # describe.only(…)
            arguments = node.child_by_field_name("arguments")
            if (
                function is not None
                and _text(function) in GROUPS
                and arguments is not None
                and arguments.named_children
                and arguments.named_children[0].type == "string"
            ):
                titles.insert(0, _string_value(arguments.named_children[0]))
        node = node.parent
    return titles


def _string_value(node: tree_sitter.Node) -> str:
    return "".join(_text(child) for child in node.named_children)


def _is_literal(node: tree_sitter.Node) -> bool:
    if node.type in ("number", "true", "false", "null", "undefined"):
        return True
    if node.type == "string":
        return True
    if node.type == "template_string":
        return not any(child.type == "template_substitution" for child in node.children)
    if node.type == "unary_expression":
        operand = node.child_by_field_name("argument")
        return operand is not None and operand.type == "number"
    if node.type == "array":
        return all(_is_literal(child) for child in node.named_children)
    if node.type == "object":
        return all(
            child.type == "pair"
            and (value := child.child_by_field_name("value")) is not None
            and _is_literal(value)
            for child in node.named_children
        )
    return node.type == "identifier" and _text(node) in ("undefined", "NaN", "Infinity")


def _text(node: tree_sitter.Node) -> str:
    return node.text.decode("utf-8", "replace") if node.text else ""


def _join(folder: str, rel: str) -> str:
    return f"{folder}/{rel}" if folder else rel


def _relative(folder: str, rel: str) -> str:
    return rel[len(folder) + 1 :] if folder and rel.startswith(f"{folder}/") else rel


def _clip(message: str) -> str:
    return message[:MESSAGE_LIMIT] + ("…" if len(message) > MESSAGE_LIMIT else "")


@functools.cache
def _node_missing(interpreter: str, language: str) -> str | None:
    try:
        probe = subprocess.run(
            [interpreter, "--version"],
            capture_output=True,
            text=True,
            timeout=30,
            env={"PATH": os.environ.get("PATH", "")},
            cwd="/",  # not the server's (maybe the workspace): nothing of it is loaded
        )
    except (OSError, subprocess.SubprocessError):
        return f"not executed: no runner for {language} (node is not installed)"
    major = re.match(r"v(\d+)", probe.stdout.strip())
    if probe.returncode != 0 or not major or int(major.group(1)) < 20:
        return f"not executed: node 20 or newer is needed, found {probe.stdout.strip() or '?'}"
    return None


@functools.cache
def _node_flags(interpreter: str) -> tuple[str, ...]:
    """Flags every node process of a run needs. The sandbox's address-space limit leaves no
    room for WebAssembly's guard regions (vite's bundler and node's own fetch use wasm), so
    wasm bounds are checked explicitly where this node can (20.15 and newer)."""
    flag = "--disable-wasm-trap-handler"
    try:
        probe = subprocess.run(
            [interpreter, flag, "-e", "0"],
            capture_output=True,
            timeout=30,
            env={"PATH": os.environ.get("PATH", ""), "NODE_OPTIONS": flag},
            cwd="/",
        )
    except (OSError, subprocess.SubprocessError):
        return ()
    return (flag,) if probe.returncode == 0 else ()
