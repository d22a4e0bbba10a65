"""JavaScript tests: `node --test`, selected with tree-sitter, results from a JSON-lines reporter.

Node's own JUnit reporter does not say which file a test came from, so a tiny reporter module
(written into the run) emits one JSON object per test with its file. Files that import vitest or
jest are left out with a note: only node's runner is driven so far.
"""

from __future__ import annotations

import functools
import json
import os
import re
import shutil
import subprocess
from collections.abc import Callable, Sequence
from pathlib import Path, PurePosixPath

import tree_sitter

from counterpoint.languages.spec import LanguageSpec
from counterpoint.languages.testing import (
    BehaviourProbe,
    RunPlan,
    TestOutcome,
    TestSelection,
    select_tests,
)

MODEL_TESTS_DIR = "_counterpoint"
PROBE_FILE = "counterpoint_differential.test.mjs"
PROBE_TEST = "counterpoint differential"
TEST_RUNNERS = frozenset({"test", "it"})
MAX_CALLS = 200

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

PROBE = """
import test from 'node:test';
import { writeFileSync } from 'node:fs';
import { inspect } from 'node:util';

const CALLS = %(calls)s;
const NAMES = %(names)s;

test(%(test_name)s, async () => {
  let scope = null;
  try {
    const loaded = await import(%(module)s);
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


class NodeTests:
    runner_name = "node --test"

    def __init__(self, spec: LanguageSpec) -> None:
        self.spec = spec

    def interpreter(self, root: Path, configured: str | None) -> str:
        return configured or shutil.which("node") or "node"

    def runner_available(self, interpreter: str) -> str | None:
        return _node_missing(interpreter)

    def import_hint(self, module: str) -> str:
        return (
            "Your tests run with `node --test` as ES modules in a folder inside the project: "
            "import `test` from 'node:test' and `assert` from 'node:assert/strict', and the "
            f"code under test from '{module}'."
        )

    def module_name(self, root: Path, target_path: str) -> str | None:
        path = Path(target_path)
        if path.is_absolute():
            try:
                path = path.relative_to(root)
            except ValueError:
                return None
        return f"../{path.as_posix()}"

    def discover(
        self,
        files: Sequence[str],
        read: Callable[[str], str | None],
        target_path: str,
        symbols: Sequence[str],
        target_code: str,
    ) -> TestSelection:
        return select_tests(
            files,
            read,
            _is_test_file,
            self._test_calls,
            _conventional_test_files(target_path),
            symbols,
            skip=_unsupported_framework,
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
        files = {f"{MODEL_TESTS_DIR}/reporter.mjs": REPORTER}
        written = {
            f"{MODEL_TESTS_DIR}/from_{voice}_{index}.test.mjs": (voice, test)
            for voice, tests in model_tests.items()
            for index, test in enumerate(tests, 1)
        }
        model_files = {path: voice for path, (voice, _) in written.items()}
        files.update({path: test for path, (_, test) in written.items()})
        names = [test_id.split("::", 1)[1] for test_id in selection.test_ids]
        for _, test in written.values():
            names += [name for name, _ in self._test_calls(test)]
        probe_files = {}
        env = {"NODE_OPTIONS": "", "NO_COLOR": "1"}
        if probe is not None:
            probe_files[f"{MODEL_TESTS_DIR}/{PROBE_FILE}"] = PROBE % {
                "calls": json.dumps(list(probe.calls)),
                "names": json.dumps(list(probe.names)),
                "module": json.dumps(probe.module),
                "test_name": json.dumps(PROBE_TEST),
            }
            files.update(probe_files)
            names.append(PROBE_TEST)
            env["COUNTERPOINT_DIFF_OUT"] = str(sandbox_dir / "behaviour.json")
        test_files = sorted({test_id.split("::", 1)[0] for test_id in selection.test_ids})
        pattern = "^(" + "|".join(re.escape(name) for name in sorted(set(names))) + ")$"
        argv = [
            interpreter,
            "--test",
            f"--test-reporter=./{MODEL_TESTS_DIR}/reporter.mjs",
            f"--test-reporter-destination={sandbox_dir / 'results.jsonl'}",
            f"--test-timeout={int(test_timeout_s * 1000)}",
            f"--test-name-pattern={pattern}",
            *test_files,
            *model_files,
            *probe_files,
        ]
        return RunPlan(
            argv=argv,
            env=env,
            files=files,
            results_file="results.jsonl",
            behaviour_file="behaviour.json" if probe is not None else None,
            model_files=model_files,
        )

    def read_results(
        self, results: str, selection: TestSelection, model_files: dict[str, str]
    ) -> list[TestOutcome]:
        outcomes = []
        for line in results.splitlines():
            try:
                event = json.loads(line)
            except ValueError:
                continue
            if not isinstance(event, dict) or event.get("kind") == "suite":
                continue
            rel = str(event.get("file") or "")  # relative to the run directory
            if rel.endswith(PROBE_FILE):
                continue
            name = str(event.get("name"))
            source = model_files.get(rel, "workspace")
            outcomes.append(
                TestOutcome(
                    f"{rel}::{name}",
                    source,
                    str(event.get("status")),
                    str(event.get("message") or "").strip()[:400],
                    float(event.get("duration_ms") or 0) / 1000,
                )
            )
        return outcomes

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

    def _test_calls(self, source: str) -> list[tuple[str, set[str]]]:
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
            found.append((_text(match["test.name"][0]), names))
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
                        and value.type
                        in (
                            "arrow_function",
                            "function_expression",
                        )
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


def _unsupported_framework(rel: str, source: str) -> str | None:
    if re.search(r"""from\s+['"](vitest|@jest/globals)['"]|require\(['"]vitest""", source):
        return f"{rel} uses vitest or jest, which is not run yet"
    return None


def _is_test_file(rel: str) -> bool:
    path = PurePosixPath(rel)
    if path.suffix not in (".js", ".mjs", ".cjs"):
        return False
    name = path.name
    in_test_dir = any(part in ("test", "tests", "__tests__") for part in path.parts[:-1])
    return ".test." in name or ".spec." in name or in_test_dir


def _conventional_test_files(target_path: str) -> list[str]:
    path = PurePosixPath(target_path)
    stem, folder, suffix = path.stem, path.parent, path.suffix
    names = [f"{stem}.test{suffix}", f"{stem}.spec{suffix}", f"{stem}.test.mjs", f"{stem}.test.js"]
    candidates = []
    for name in names:
        candidates += [folder / name, PurePosixPath("test") / name, PurePosixPath("tests") / name]
    return [str(c) for c in candidates]


def _text(node: tree_sitter.Node) -> str:
    return node.text.decode("utf-8", "replace") if node.text else ""


@functools.cache
def _node_missing(interpreter: str) -> str | None:
    try:
        probe = subprocess.run(
            [interpreter, "--version"],
            capture_output=True,
            text=True,
            timeout=30,
            env={"PATH": os.environ.get("PATH", "")},
        )
    except (OSError, subprocess.SubprocessError):
        return "not executed: no runner for javascript (node is not installed)"
    major = re.match(r"v(\d+)", probe.stdout.strip())
    if probe.returncode != 0 or not major or int(major.group(1)) < 20:
        return f"not executed: node 20 or newer is needed, found {probe.stdout.strip() or '?'}"
    return None
