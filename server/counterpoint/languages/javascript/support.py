"""JavaScript and TypeScript tests under node: `node --test`, vitest or jest, whichever the package
uses (package.py), selected with tree-sitter (syntax.py) and read back as structured per-test
results. What differs by runner is in node_test.py, vitest.py and jest.py; this module does what
they share: discovery, the model-written test files, the name pattern and the behaviour probe.

A package whose runner is not installed is reported as not executed, with the command that fixes
it. Model-written tests go in `_counterpoint/` inside the package, one file per test, and import
the target by a relative path, which the prompt tells the models along with the runner.
"""

from __future__ import annotations

import functools
import json
import os
import re
from pathlib import Path, PurePosixPath

from counterpoint.languages.javascript import syntax
from counterpoint.languages.javascript.jest import Jest
from counterpoint.languages.javascript.node_test import NodeTestRunner
from counterpoint.languages.javascript.package import (
    JEST,
    NODE_TEST,
    VITEST,
    NodeSelection,
    Package,
    conventional_test_files,
    installed_state,
    node_modules,
    package_folder,
    package_on_disk,
    read_package,
)
from counterpoint.languages.javascript.runner import PROBE_NAME, Runner
from counterpoint.languages.javascript.vitest import Vitest
from counterpoint.languages.spec import LanguageSpec, script, with_header
from counterpoint.languages.testing import (
    MODEL_DIR,
    BehaviourProbe,
    NotCompared,
    Run,
    RunPlan,
    Target,
    TestOutcome,
    TestSupport,
    join,
    relative,
    run_tool,
    select_tests,
    workspace_relative,
)

__all__ = ["JEST", "NODE_TEST", "VITEST", "NodeSelection", "NodeTests"]

RUNNERS: dict[str, Runner] = {
    runner.name: runner for runner in (NodeTestRunner(), Vitest(), Jest())
}
PROBE_TEST = "counterpoint differential"
MAX_CALLS = 200
# What a test file importing these is written for.
_FRAMEWORK_IMPORTS = (
    (VITEST, re.compile(r"""(from\s+|require\(\s*|import\(\s*)['"]vitest['"]""")),
    (JEST, re.compile(r"""(from\s+|require\(\s*|import\(\s*)['"]@jest/globals['"]""")),
    (NODE_TEST, re.compile(r"""(from\s+|require\(\s*|import\(\s*)['"]node:test['"]""")),
)


class NodeTests(TestSupport[NodeSelection]):
    """Test support for a language that runs under node (JavaScript; TypeScript through the
    package's vitest, jest or tsx)."""

    program = "node"

    def __init__(self, spec: LanguageSpec, *, typescript: bool = False) -> None:
        super().__init__(spec)
        self.typescript = typescript
        self.runner_name = "vitest, jest or node --test with tsx" if typescript else NODE_TEST
        # Test files the language's grammar parses (.tsx needs the TSX grammar, not loaded here).
        self.test_suffixes = spec.extensions

    def runner_available(self, interpreter: str) -> str | None:
        return _node_missing(interpreter, self.spec.name)

    # -- the prompt ------------------------------------------------------------------------

    def import_hint(self, module: str, root: Path | None = None, target_path: str = "") -> str:
        package = package_on_disk(root, target_path, self.typescript) if root is not None else None
        runner = RUNNERS.get(package.framework or "") if package else None
        return (runner or RUNNERS[NODE_TEST]).hint(module, package, self.typescript)

    def module_name(self, root: Path, target_path: str) -> str | None:
        """The target as a model test in `<package>/_counterpoint/` imports it."""
        rel = workspace_relative(root, target_path)
        if rel is None:
            return None
        folder = package_folder(rel, lambda candidate: (root / candidate).is_file())
        inner = relative(rel, folder)
        if self.typescript and inner.endswith(".ts") and not inner.endswith(".d.ts"):
            inner = inner[: -len(".ts")]  # vite, jest and tsx resolve it without the suffix
        return f"../{inner}"

    # -- discovery -------------------------------------------------------------------------

    def _package(self, folder: str, text: str | None) -> Package:
        return read_package(folder, text, self.typescript)

    def select(self, target: Target) -> NodeSelection:
        folder = package_folder(target.path, target.present.__contains__)
        package = self._package(folder, target.read(join(folder, "package.json")))
        if package.framework is None:
            return NodeSelection(unavailable=package.why_not, package_dir=folder)
        runner = RUNNERS[package.framework]
        label = runner.label(self.typescript)
        entry, missing = runner.entry(target.root, folder, self.typescript)
        if missing:
            return NodeSelection(
                unavailable=f"not executed: no runner for {self.spec.name} ({missing})",
                runner=label,
                framework=runner.name,
                package_dir=folder,
            )
        links = node_modules(target.root, folder)
        prefix = f"{folder}/" if folder else ""

        def skip(rel: str, source: str) -> str | None:
            for other, pattern in _FRAMEWORK_IMPORTS:
                if other != runner.name and pattern.search(source):
                    return f"{rel} is written for {other}, but the package runs {runner.name}"
            return None

        selection = select_tests(
            [rel for rel in target.files if rel.startswith(prefix)],
            target.read,
            self._is_test_file,
            functools.partial(self.tests_in, full_names=runner.full_names),
            conventional_test_files(target.path, folder),
            target.symbols,
            skip=skip,
        )
        return NodeSelection.extending(
            selection,
            runner=label,
            framework=runner.name,
            package_dir=folder,
            entry=entry,
            installed=installed_state(links),
            links=tuple(links),
            node_options=runner.node_options(package.node_options, self.typescript),
            commonjs=package.commonjs,
        )

    def _is_test_file(self, rel: str) -> bool:
        path = PurePosixPath(rel)
        if path.suffix not in self.test_suffixes or path.name.endswith(".d.ts"):
            return False
        name = path.name
        in_test_dir = any(part in ("test", "tests", "__tests__") for part in path.parts[:-1])
        return ".test." in name or ".spec." in name or in_test_dir

    def tests_in(self, source: str, full_names: bool = False) -> list[tuple[str, set[str]]]:
        """Each test's name: its own title, or (`full_names`) with its describe titles."""
        return syntax.tests_in(self.spec, source, full_names)

    # -- the run ---------------------------------------------------------------------------

    def plan_run(self, run: Run[NodeSelection]) -> RunPlan:
        node, probe = run.selection, run.probe
        runner = RUNNERS[node.framework]
        suffix = runner.model_suffix(self.typescript)
        model_dir = join(node.package_dir, MODEL_DIR)
        written = run.per_test_files(model_dir, lambda voice, i: f"from_{voice}_{i}.test{suffix}")
        model_files = {path: voice for path, (voice, _) in written.items()}
        files = {path: test for path, (_, test) in written.items()}
        names = [test_id.split("::", 1)[1] for test_id in node.test_ids]
        for _, test in written.values():
            names += [name for name, _ in self.tests_in(test, runner.full_names)]
        env = {"NODE_OPTIONS": " ".join([*_node_flags(run.interpreter), *node.node_options])}
        env["NO_COLOR"] = "1"
        probe_files = []
        if probe is not None:
            probe_path = f"{model_dir}/{PROBE_NAME}.test{suffix}"
            files[probe_path] = self._probe_source(runner, node, probe)
            probe_files.append(probe_path)
            names.append(PROBE_TEST)
            env["COUNTERPOINT_DIFF_OUT"] = run.output("behaviour.json")
        test_files = sorted({test_id.split("::", 1)[0] for test_id in node.test_ids})
        pattern = "^(" + "|".join(re.escape(name) for name in sorted(set(names))) + ")$"
        timeout_ms = str(int(run.test_timeout_s * 1000))
        paths = [*test_files, *model_files, *probe_files]
        argv, extra = runner.command(run, paths, pattern, timeout_ms)
        return RunPlan(
            argv=argv,
            env=env,
            files={**files, **extra},
            results_file=runner.results_file,
            behaviour_file="behaviour.json" if probe is not None else None,
            model_files=model_files,
            links=dict(node.links),
            cwd=node.package_dir,
        )

    def _probe_source(self, runner: Runner, node: NodeSelection, probe: BehaviourProbe) -> str:
        imports, load = runner.probe_imports(node.commonjs)
        header = "// @ts-nocheck\n" if self.typescript else ""
        header += (
            f"{imports}\n"
            f"const CALLS = {json.dumps(list(probe.calls))};\n"
            f"const NAMES = {json.dumps(list(probe.names))};\n"
            f"const TEST_NAME = {json.dumps(PROBE_TEST)};\n"
            f"const load = async () => {load.format(json.dumps(probe.module))};\n"
        )
        return with_header(script(__package__ or "", "probe.mjs"), header)

    def read_results(
        self, results: str, selection: NodeSelection, model_files: dict[str, str]
    ) -> list[TestOutcome]:
        return RUNNERS[selection.framework].read_results(results, selection, model_files)

    # -- differential testing --------------------------------------------------------------

    def probe(self, module: str | None, target_code: str, sources: list[str]) -> BehaviourProbe:
        if not module:
            raise NotCompared("the module cannot be imported")
        names = syntax.top_level_functions(self.spec, target_code)
        if not names:
            raise NotCompared("the selection holds no top-level function")
        calls: dict[str, None] = {}
        for source in sources:
            for call in syntax.literal_calls(self.spec, source, set(names)):
                calls.setdefault(call, None)
        if not calls:
            raise NotCompared("no calls with literal arguments were found")
        return BehaviourProbe(module, tuple(names), tuple(list(calls)[:MAX_CALLS]))


@functools.cache
def _node_missing(interpreter: str, language: str) -> str | None:
    probe = run_tool([interpreter, "--version"], timeout=30)
    if isinstance(probe, Exception):
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
    env = {"PATH": os.environ.get("PATH", ""), "NODE_OPTIONS": flag}
    probe = run_tool([interpreter, flag, "-e", "0"], timeout=30, env=env)
    return (flag,) if not isinstance(probe, Exception) and probe.returncode == 0 else ()
