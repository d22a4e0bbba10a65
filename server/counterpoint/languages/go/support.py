"""Go tests: `go test -json`, selected with tree-sitter, results read from its JSON events.

A Go package is a folder, so the tests that can exercise the target are the `TestXxx` functions
in the `*_test.go` files beside it; those that reference the target's definitions run by name
(`go test -json -run '^(TestA|TestB)$' ./pkg`, from the folder holding go.mod).

Model-written tests go in the same package, one file per family
(`counterpoint_<voice>_test.go`, with the target's package clause and the imports merged), so they
see unexported names as the workspace's own tests do. Go compiles a package's tests together, so a
family whose tests do not compile would break every test: a driver script
(`compiled.family_driver`, shared with Rust) first builds with all families, and when that fails
keeps only the families that compile on their own; the others are reported as errors with the
compiler's message.

The build cache and GOPATH live inside the sandbox, module downloads are off (`GOPROXY=off`,
`GOFLAGS=-mod=mod`, `GOTOOLCHAIN=local`) and cgo is off. `-timeout` bounds each test binary.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

import tree_sitter

from counterpoint.languages.compiled import CompiledTests, FamilyLog, family_driver, qualified
from counterpoint.languages.spec import text
from counterpoint.languages.testing import (
    MODEL_DIR,
    Run,
    RunPlan,
    Target,
    TestOutcome,
    TestSelection,
    clip,
    join,
    relative,
    select_tests,
)
from counterpoint.model.vocabulary import Outcome

RESULTS_FILE = "results.jsonl"
NOTHING = "CounterpointNoTestSelected"
_TEST_NAME = re.compile(r"^Test($|[^a-z])")
_COMPILE_ERROR = re.compile(r"^\S+\.go:\d+:\d+: ")
_ACTIONS = {"pass": Outcome.PASSED, "fail": Outcome.FAILED, "skip": Outcome.SKIPPED}


@dataclass(frozen=True)
class GoSelection(TestSelection):
    """A selection that also knows the target's package folder, module root and package name."""

    __test__ = False

    package_dir: str = ""  # workspace-relative folder of the target, "" at the root
    module_dir: str = ""  # workspace-relative folder holding go.mod, "" at the root
    package_name: str = ""  # from the target's package clause
    names: tuple[tuple[str, str], ...] = ()  # (test id, TestName)


class GoTests(CompiledTests[GoSelection]):
    runner_name = "go test"
    program = "go"
    version_args = ("version",)
    version_env = (("GOTOOLCHAIN", "local"),)
    install = "golang-go"
    extension = "go"
    driver_file = f"{MODEL_DIR}/run_go.sh"
    # Runs in the run directory: sh DRIVER RESULTS PKGDIR MODULEDIR PATTERN TIMEOUT
    driver = family_driver(
        ext="go",
        setup='pkgdir="$1"; moddir="$2"; pattern="$3"; timeout="$4"; here=$(pwd)',
        build=(
            """  (cd "$moddir" && "$CP_GO" test -count=1 -run '^$' "./$CP_PKG" """
            """>"$here/$1" 2>&1)"""
        ),
        enable='  n=$(basename "$1" .go); cp "$1" "$pkgdir/counterpoint_${n#model_}_test.go"',
        disable='  n=$(basename "$1" .go); rm -f "$pkgdir/counterpoint_${n#model_}_test.go"',
        errors=r"grep -E '\.go:[0-9]+:[0-9]+: '",
        run=(
            'cd "$moddir" && "$CP_GO" test -json -count=1 -timeout "$timeout" -run "$pattern" '
            '"./$CP_PKG" 2>&1 | tee -a "$results"'
        ),
    )

    def import_hint(self, module: str, root: Path | None = None, target_path: str = "") -> str:
        return (
            f"Your tests run with `go test` inside package `{module}` (a file of their own in the "
            "same folder, so unexported names are in scope): write `func TestXxx(t *testing.T)` "
            "functions using only the standard library."
        )

    def module_name(self, root: Path, target_path: str) -> str | None:
        try:
            source = (root / target_path).read_text("utf-8")  # an absolute path stays itself
        except (OSError, UnicodeDecodeError):
            return None
        return self.package_name(source) or None

    def package_name(self, source: str) -> str:
        for node in self.spec.parse(source).root_node.children:
            if node.type == "package_clause":
                for child in node.named_children:
                    return text(child)
        return ""

    def select(self, target: Target) -> GoSelection:
        module = target.folder_holding("go.mod")
        if module is None:
            return GoSelection(notes=(f"no go.mod above {target.path}: tests not run",))
        folder = str(PurePosixPath(target.path).parent)
        package_dir = "" if folder == "." else folder

        def in_package(rel: str) -> bool:
            path = PurePosixPath(rel)
            parent = "" if str(path.parent) == "." else str(path.parent)
            return parent == package_dir and path.name.endswith("_test.go")

        selection = select_tests(
            target.files, target.read, in_package, self.tests_in, (), target.symbols
        )
        names = tuple((test_id, test_id.split("::", 1)[1]) for test_id in selection.test_ids)
        return GoSelection.extending(
            selection,
            package_dir=package_dir,
            module_dir=module,
            package_name=self.package_name(target.read(target.path) or ""),
            names=names,
        )

    def family_source(self, selection: GoSelection, family: str, tests: Sequence[str]) -> str:
        return self.model_file(selection.package_name or "main", tests)

    def plan_run(self, run: Run[GoSelection]) -> RunPlan:
        go = run.selection
        files, family_tests = self.family_files(run)  # the driver copies them into the package
        tests = [name for _, name in go.names] + family_tests
        pattern = "^(" + "|".join(sorted(set(tests)) or [NOTHING]) + ")$"
        timeout = max(10.0, run.test_timeout_s * max(1, len(set(tests))))
        env = {
            "CP_GO": run.interpreter,
            "CP_PKG": relative(go.package_dir, go.module_dir) or ".",
            "GOCACHE": str(run.sandbox_dir / "go-cache"),
            "GOPATH": str(run.sandbox_dir / "go-path"),
            "GOMODCACHE": str(run.sandbox_dir / "go-path" / "pkg" / "mod"),
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
            self.driver_file,
            run.output(RESULTS_FILE),
            go.package_dir or ".",
            go.module_dir or ".",
            pattern,
            f"{timeout:g}s",
        ]
        return RunPlan(argv=argv, env=env, files=files, results_file=RESULTS_FILE)

    def read_output(
        self, log: FamilyLog, selection: GoSelection
    ) -> tuple[list[TestOutcome], list[str]]:
        known = {name: test_id for test_id, name in selection.names}
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
                    shown = str(event.get("Output") or "")
                    if not shown.lstrip().startswith(("=== ", "--- ")):
                        output.setdefault(name, []).append(shown.rstrip("\n"))
                elif action in _ACTIONS and "/" not in event["Test"]:
                    outcomes_by_name[name] = (_ACTIONS[action], float(event.get("Elapsed") or 0))
            elif _COMPILE_ERROR.match(line):
                compile_errors.append(line.strip())
        outcomes = []
        for name, (outcome, elapsed) in outcomes_by_name.items():
            if name in known:
                test_id, source = known[name], "workspace"
            elif name in log.expected:
                family, source = log.expected[name]
                test_id = self.family_test_id(selection, family, name)
            else:
                test_id, source = qualified(selection.package_dir or ".", name), "workspace"
            message = clip("\n".join(line.strip() for line in output.get(name, [])).strip())
            outcomes.append(TestOutcome(test_id, source, outcome, message, elapsed))
        return outcomes, compile_errors

    def family_test_id(self, selection: GoSelection, family: str, name: str) -> str:
        return qualified(self.family_id(selection, family), name)

    def family_id(self, selection: GoSelection, family: str) -> str:
        return join(selection.package_dir, f"counterpoint_{family}_test.go")

    def tests_in(self, source: str) -> list[tuple[str, set[str]]]:
        """(TestName, names referenced) for each top-level `func TestXxx(t *testing.T)`."""
        tree = self.spec.parse(source)
        found = []
        for _, match in tree_sitter.QueryCursor(self.spec.queries.tests).matches(tree.root_node):
            name = text(match["test.name"][0])
            parameters = text(match["test.parameters"][0])
            if not _TEST_NAME.match(name) or "testing.T" not in parameters:
                continue
            found.append((name, self.spec.references_in(tree.root_node, match["test.function"][0])))
        return sorted(found)

    def model_file(self, package: str, tests: Sequence[str]) -> str:
        """One family's tests as one file of the target's package: package clauses dropped,
        imports merged (and "testing" added when used but not imported)."""
        imports: dict[str, None] = {}
        declarations = []
        for test in tests:
            for node in self.spec.parse(test).root_node.children:
                if node.type == "package_clause":
                    continue
                if node.type == "import_declaration":
                    stack = list(node.named_children)
                    while stack:
                        spec = stack.pop(0)
                        if spec.type == "import_spec_list":
                            stack = list(spec.named_children) + stack
                        elif spec.type == "import_spec":
                            imports.setdefault(text(spec), None)
                    continue
                declarations.append(text(node))
        body = "\n\n".join(declarations)
        if "testing." in body and not any(spec.endswith('"testing"') for spec in imports):
            imports = {'"testing"': None, **imports}
        block = "".join(f"\t{spec}\n" for spec in imports)
        header = f"package {package}\n\n" + (f"import (\n{block})\n\n" if imports else "")
        return f"{header}{body}\n"
