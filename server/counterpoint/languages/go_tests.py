"""Go tests: `go test -json`, selected with tree-sitter, results read from its JSON events.

A Go package is a folder, so the tests that can exercise the target are the `TestXxx` functions
in the `*_test.go` files beside it; those that reference the target's definitions run by name
(`go test -json -run '^(TestA|TestB)$' ./pkg`, from the folder holding go.mod).

Model-written tests go in the same package, one file per family
(`counterpoint_<voice>_test.go`, with the target's package clause and the imports merged), so they
see unexported names as the workspace's own tests do. Go compiles a package's tests together, so a
family whose tests do not compile would break every test: a driver script
(`testing.family_driver`, shared with Rust) first builds with all families, and when that fails
keeps only the families that compile on their own; the others are reported as errors with the
compiler's message.

The build cache and GOPATH live inside the sandbox, module downloads are off (`GOPROXY=off`,
`GOFLAGS=-mod=mod`, `GOTOOLCHAIN=local`) and cgo is off. `-timeout` bounds each test binary.
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

import tree_sitter

from counterpoint.languages.spec import LanguageSpec
from counterpoint.languages.testing import (
    EXPECTED_FILE,
    MODEL_DIR,
    BehaviourProbe,
    RunPlan,
    TestOutcome,
    TestSelection,
    clip,
    expected_lines,
    family_driver,
    family_file,
    read_family_log,
    safe_family,
    select_tests,
    unrun_errors,
)
from counterpoint.model.vocabulary import Outcome

DRIVER_FILE = f"{MODEL_DIR}/run_go.sh"
RESULTS_FILE = "results.jsonl"
NOTHING = "CounterpointNoTestSelected"
_TEST_NAME = re.compile(r"^Test($|[^a-z])")

# Runs in the run directory: sh DRIVER RESULTS PKGDIR MODULEDIR PATTERN TIMEOUT
DRIVER = family_driver(
    ext="go",
    setup='pkgdir="$1"; moddir="$2"; pattern="$3"; timeout="$4"; here=$(pwd)',
    build="""  (cd "$moddir" && "$CP_GO" test -count=1 -run '^$' "./$CP_PKG" >"$here/$1" 2>&1)""",
    enable='  n=$(basename "$1" .go); cp "$1" "$pkgdir/counterpoint_${n#model_}_test.go"',
    disable='  n=$(basename "$1" .go); rm -f "$pkgdir/counterpoint_${n#model_}_test.go"',
    errors=r"grep -E '\.go:[0-9]+:[0-9]+: '",
    run=(
        'cd "$moddir" && "$CP_GO" test -json -count=1 -timeout "$timeout" -run "$pattern" '
        '"./$CP_PKG" 2>&1 | tee -a "$results"'
    ),
)

_COMPILE_ERROR = re.compile(r"^\S+\.go:\d+:\d+: ")


@dataclass(frozen=True)
class GoSelection(TestSelection):
    """A selection that also knows the target's package folder, module root and package name."""

    __test__ = False

    package_dir: str = ""  # workspace-relative folder of the target, "" at the root
    module_dir: str = ""  # workspace-relative folder holding go.mod, "" at the root
    package_name: str = ""  # from the target's package clause
    names: tuple[tuple[str, str], ...] = ()  # (test id, TestName)


class GoTests:
    runner_name = "go test"

    def __init__(self, spec: LanguageSpec) -> None:
        self.spec = spec

    def interpreter(self, root: Path, configured: str | None) -> str:
        return configured or shutil.which("go") or "go"

    def runner_available(self, interpreter: str) -> str | None:
        return _go_missing(interpreter)

    def import_hint(self, module: str, root: Path | None = None, target_path: str = "") -> str:
        return (
            f"Your tests run with `go test` inside package `{module}` (a file of their own in the "
            "same folder, so unexported names are in scope): write `func TestXxx(t *testing.T)` "
            "functions using only the standard library."
        )

    def module_name(self, root: Path, target_path: str) -> str | None:
        path = Path(target_path)
        if not path.is_absolute():
            path = root / path
        try:
            source = path.read_text("utf-8")
        except (OSError, UnicodeDecodeError):
            return None
        return self.package_name(source) or None

    def package_name(self, source: str) -> str:
        tree = self.spec.parser().parse(source.encode("utf-8"))
        for node in tree.root_node.children:
            if node.type == "package_clause":
                for child in node.named_children:
                    return _text(child)
        return ""

    def discover(
        self,
        files: Sequence[str],
        read: Callable[[str], str | None],
        target_path: str,
        symbols: Sequence[str],
        target_code: str,
        root: Path | None = None,
    ) -> TestSelection:
        module = _module_dir(files, target_path)
        if module is None:
            return TestSelection(notes=(f"no go.mod above {target_path}: tests not run",))
        folder = str(PurePosixPath(target_path).parent)
        package_dir = "" if folder == "." else folder

        def in_package(rel: str) -> bool:
            path = PurePosixPath(rel)
            parent = "" if str(path.parent) == "." else str(path.parent)
            return parent == package_dir and path.name.endswith("_test.go")

        selection = select_tests(files, read, in_package, self.tests_in, (), symbols)
        names = tuple((test_id, test_id.split("::", 1)[1]) for test_id in selection.test_ids)
        return GoSelection(
            selection.test_ids,
            (),
            selection.suite_size,
            selection.notes,
            package_dir=package_dir,
            module_dir=module,
            package_name=self.package_name(read(target_path) or ""),
            names=names,
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
        go = selection if isinstance(selection, GoSelection) else GoSelection()
        files: dict[str, str] = {DRIVER_FILE: DRIVER}
        tests = [name for _, name in go.names]
        families = []
        for voice, written in model_tests.items():
            if not written:
                continue
            family = safe_family(voice)
            source = self.model_file(go.package_name or "main", written)
            files[family_file(family, "go")] = source  # the driver copies it into the package
            names = [name for name, _ in self.tests_in(source)]
            tests += names
            families.append((family, voice, names))
        files[EXPECTED_FILE] = expected_lines(families)
        pattern = "^(" + "|".join(sorted(set(tests)) or [NOTHING]) + ")$"
        package = _relative(go.module_dir, go.package_dir) or "."
        timeout = max(10.0, test_timeout_s * max(1, len(set(tests))))
        env = {
            "CP_GO": interpreter,
            "CP_PKG": package,
            "GOCACHE": str(sandbox_dir / "go-cache"),
            "GOPATH": str(sandbox_dir / "go-path"),
            "GOMODCACHE": str(sandbox_dir / "go-path" / "pkg" / "mod"),
            "GOENV": "off",
            "GOFLAGS": "-mod=mod",
            "GOPROXY": "off",
            "GOSUMDB": "off",
            "GOTOOLCHAIN": "local",
            "GO111MODULE": "on",
            "CGO_ENABLED": "0",
            "GOTELEMETRY": "off",
        }
        argv = [
            "sh",
            DRIVER_FILE,
            str(sandbox_dir / RESULTS_FILE),
            go.package_dir or ".",
            go.module_dir or ".",
            pattern,
            f"{timeout:g}s",
        ]
        return RunPlan(argv=argv, env=env, files=files, results_file=RESULTS_FILE)

    def behaviour_probe(
        self,
        module: str | None,
        target_code: str,
        sources: Sequence[str],
        edge_cases: Sequence[str],
    ) -> tuple[BehaviourProbe | None, str | None]:
        return None, "behaviour not compared: not supported for go yet"

    def read_results(
        self, results: str, selection: TestSelection, model_files: dict[str, str]
    ) -> list[TestOutcome]:
        go = selection if isinstance(selection, GoSelection) else GoSelection()
        known = {name: test_id for test_id, name in go.names}
        log = read_family_log(results)
        outcomes_by_name: dict[str, tuple[Outcome, float]] = {}
        output: dict[str, list[str]] = {}
        compile_errors: list[str] = []
        for line in log.lines:
            if line.startswith("{"):
                try:
                    event = json.loads(line)
                except ValueError:
                    continue
                if not isinstance(event, dict) or not isinstance(event.get("Test"), str):
                    continue
                name = event["Test"].split("/", 1)[0]
                action = event.get("Action")
                if action == "output":
                    text = str(event.get("Output") or "")
                    if not text.lstrip().startswith(("=== ", "--- ")):
                        output.setdefault(name, []).append(text.rstrip("\n"))
                elif action in ("pass", "fail", "skip") and "/" not in event["Test"]:
                    outcome = {
                        "pass": Outcome.PASSED,
                        "fail": Outcome.FAILED,
                        "skip": Outcome.SKIPPED,
                    }[action]
                    outcomes_by_name[name] = (outcome, float(event.get("Elapsed") or 0))
            elif _COMPILE_ERROR.match(line):
                compile_errors.append(line.strip())

        def family_test(family: str, name: str) -> str:
            return _join_id(_join(go.package_dir, f"counterpoint_{family}_test.go"), name)

        outcomes = []
        for name, (outcome, elapsed) in outcomes_by_name.items():
            if name in known:
                test_id, source = known[name], "workspace"
            elif name in log.expected:
                family, source = log.expected[name]
                test_id = family_test(family, name)
            else:
                test_id, source = _join_id(go.package_dir or ".", name), "workspace"
            message = clip("\n".join(line.strip() for line in output.get(name, [])).strip())
            outcomes.append(TestOutcome(test_id, source, outcome, message, elapsed))
        outcomes += unrun_errors(
            log,
            {outcome.id for outcome in outcomes},
            [test_id for test_id, _ in go.names],
            "\n".join(compile_errors[:6]),
            family_test,
            lambda family: _join(go.package_dir, f"counterpoint_{family}_test.go"),
        )
        return outcomes

    def tests_in(self, source: str) -> list[tuple[str, set[str]]]:
        """(TestName, names referenced) for each top-level `func TestXxx(t *testing.T)`."""
        tree = self.spec.parser().parse(source.encode("utf-8"))
        references = self.spec.query("references")
        found = []
        for _, match in tree_sitter.QueryCursor(self.spec.query("tests")).matches(tree.root_node):
            name = _text(match["test.name"][0])
            parameters = _text(match["test.parameters"][0])
            if not _TEST_NAME.match(name) or "testing.T" not in parameters:
                continue
            node = match["test.function"][0]
            cursor = tree_sitter.QueryCursor(references)
            cursor.set_byte_range(node.start_byte, node.end_byte)
            names = {_text(n) for nodes in cursor.captures(tree.root_node).values() for n in nodes}
            found.append((name, names))
        return sorted(found)

    def model_file(self, package: str, tests: Sequence[str]) -> str:
        """One family's tests as one file of the target's package: package clauses dropped,
        imports merged (and "testing" added when used but not imported)."""
        imports: dict[str, None] = {}
        declarations = []
        for test in tests:
            tree = self.spec.parser().parse(test.encode("utf-8"))
            for node in tree.root_node.children:
                if node.type == "package_clause":
                    continue
                if node.type == "import_declaration":
                    stack = list(node.named_children)
                    while stack:
                        spec = stack.pop(0)
                        if spec.type == "import_spec_list":
                            stack = list(spec.named_children) + stack
                        elif spec.type == "import_spec":
                            imports.setdefault(_text(spec), None)
                    continue
                declarations.append(_text(node))
        body = "\n\n".join(declarations)
        if "testing." in body and not any(spec.endswith('"testing"') for spec in imports):
            imports = {'"testing"': None, **imports}
        block = "".join(f"\t{spec}\n" for spec in imports)
        header = f"package {package}\n\n" + (f"import (\n{block})\n\n" if imports else "")
        return f"{header}{body}\n"


def _module_dir(files: Sequence[str], target_path: str) -> str | None:
    present = set(files)
    for folder in PurePosixPath(target_path).parents:
        rel = "" if str(folder) == "." else str(folder)
        if _join(rel, "go.mod") in present:
            return rel
    return None


def _join(folder: str, rel: str) -> str:
    return f"{folder}/{rel}" if folder else rel


def _relative(base: str, rel: str) -> str:
    if not base:
        return rel
    return rel[len(base) + 1 :] if rel.startswith(f"{base}/") else ""


def _join_id(file: str, name: str) -> str:
    return f"{file}::{name}"


def _text(node: tree_sitter.Node) -> str:
    return node.text.decode("utf-8", "replace") if node.text else ""


@functools.cache
def _go_missing(interpreter: str) -> str | None:
    try:
        probe = subprocess.run(
            [interpreter, "version"],
            capture_output=True,
            text=True,
            timeout=60,
            env={"PATH": os.environ.get("PATH", ""), "GOTOOLCHAIN": "local"},
            cwd="/",  # not the server's (maybe the workspace): its go.mod and go.work stay out
        )
    except (OSError, subprocess.SubprocessError):
        return "not executed: no runner for go (install golang-go)"
    if probe.returncode != 0:
        shown = (probe.stderr or probe.stdout).strip().splitlines()[:1]
        return f"not executed: `{interpreter} version` failed: {' '.join(shown) or '?'}"
    return None
