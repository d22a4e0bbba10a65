"""Rust tests: `cargo test`, selected with tree-sitter, results read from libtest's text output.

Test functions are `#[test]` (or `#[x::test]`) functions in the `.rs` files of the target's
package: unit tests in `src/` (typically a `#[cfg(test)] mod tests`) and integration tests in
`tests/*.rs`. Those that reference the target's definitions are run by their exact libtest names
(`cargo test --tests -- --exact a::b c`), which excludes doctests, examples and benches.

Model-written tests are appended to the target file, one module per family
(`#[cfg(test)] mod counterpoint_model_tests_<voice> { use super::*; … }`), so they see private
items exactly as the workspace's own unit tests do. Rust compiles a crate as a whole, so a family
whose tests do not compile would break every test: a small driver script
(`compiled.family_driver`, shared with Go) first builds with all families, and when that fails
keeps only the families that compile on their own; the others are reported as errors with the
compiler's message.

The environment keeps cargo's home and target directory inside the sandbox and runs `--offline`.
Under rustup the `cargo` on PATH is a proxy that needs the user's HOME, which the sandbox
replaces, so the toolchain's own binaries are used (`rustc --print sysroot`). libtest has no
per-test timeout on stable Rust: the whole-run timeout is the only limit.
"""

from __future__ import annotations

import functools
import os
import re
import shutil
import subprocess
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
    run_tool,
    select_tests,
    workspace_relative,
)
from counterpoint.model.vocabulary import Outcome

MODEL_MODULE = "counterpoint_model_tests_"
RESULTS_FILE = "results.txt"
NOTHING = "counterpoint::no_tests_selected"  # an --exact filter matching no test

_CARGO_TEST = '"$CP_CARGO" test --offline --tests --message-format short'
_RUNNING = re.compile(r"^\s+Running (?:unittests )?(\S+)")
_TEST_LINE = re.compile(r"^test (\S+) \.\.\. (ok|FAILED|ignored\b.*)$")
_FAILURE_HEADER = re.compile(r"^---- (\S+) stdout ----$")
_COMPILE_ERROR = re.compile(r"^(error(\[E\d+\])?: |\S+:\d+:\d+: error)")
_STATUS = {"ok": Outcome.PASSED, "FAILED": Outcome.FAILED}  # anything else: ignored


@dataclass(frozen=True)
class RustSelection(TestSelection):
    """A selection that also knows the target's package and where libtest names come from."""

    __test__ = False

    package_dir: str = ""  # workspace-relative folder holding Cargo.toml, "" at the root
    target_root: str = ""  # the crate root (package-relative) whose binary holds the target
    target_prefix: str = ""  # the target's module path inside that crate, "a::b::" or ""
    names: tuple[tuple[str, str, str], ...] = ()  # (test id, crate root, libtest name)


class CargoTests(CompiledTests[RustSelection]):
    runner_name = "cargo test"
    install = "cargo"
    extension = "rs"
    driver_file = f"{MODEL_DIR}/run_cargo.sh"
    # Runs in the run directory: sh DRIVER RESULTS TARGET FILTER...
    driver = family_driver(
        ext="rs",
        setup='target="$1"; shift',
        build=f'  {_CARGO_TEST} --no-run --manifest-path "$CP_MANIFEST" >"$1" 2>&1',
        enable='  cp "$target" "$1.before"; cat "$1" >> "$target"',
        disable='  cp "$1.before" "$target"',
        errors="grep -E 'error' | grep -v 'could not compile'",
        run=(
            f'{_CARGO_TEST} --no-fail-fast --manifest-path "$CP_MANIFEST" -- --exact "$@" 2>&1 '
            '| tee -a "$results"'
        ),
    )

    def interpreter(self, root: Path, configured: str | None) -> str:
        return configured or _toolchain_cargo() or "cargo"

    def import_hint(self, module: str, root: Path | None = None, target_path: str = "") -> str:
        return (
            f"Your tests run with `cargo test`: they are appended to the end of {module} inside "
            "`#[cfg(test)] mod counterpoint_model_tests_<you> { use super::*; … }`, so write "
            "only `#[test] fn …` items (no `mod` wrapper); private items are in scope."
        )

    def module_name(self, root: Path, target_path: str) -> str | None:
        rel = workspace_relative(root, target_path)
        return rel if rel is not None and PurePosixPath(rel).suffix == ".rs" else None

    def select(self, target: Target) -> RustSelection:
        package = target.folder_holding("Cargo.toml")
        if package is None:
            return RustSelection(notes=(f"no Cargo.toml above {target.path}: tests not run",))
        members = _package_files(target.files, package)
        has_lib = "src/lib.rs" in members
        selection = select_tests(
            [join(package, rel) for rel in members],
            target.read,
            lambda rel: _crate_of(relative(rel, package), has_lib) is not None,
            self.tests_in,
            (),
            target.symbols,
        )
        names = []
        for test_id in selection.test_ids:
            rel, path = test_id.split("::", 1)
            crate = _crate_of(relative(rel, package), has_lib)
            if crate is not None:
                names.append((test_id, crate[0], crate[1] + path))
        target_crate = _crate_of(relative(target.path, package), has_lib) or ("", "")
        return RustSelection.extending(
            selection,
            package_dir=package,
            target=target.path,
            target_root=target_crate[0],
            target_prefix=target_crate[1],
            names=tuple(names),
        )

    def family_source(self, selection: RustSelection, family: str, tests: Sequence[str]) -> str:
        return model_module(family, tests)  # the driver appends it to the target

    def family_test_names(self, selection: RustSelection, source: str) -> list[str]:
        return [selection.target_prefix + path for path, _ in self.tests_in(source)]

    def plan_run(self, run: Run[RustSelection]) -> RunPlan:
        rust = run.selection
        files, family_tests = self.family_files(run)
        filters = [name for _, _, name in rust.names] + family_tests
        cargo = Path(run.interpreter)
        env = {
            "CP_CARGO": run.interpreter,
            "CP_MANIFEST": join(rust.package_dir, "Cargo.toml"),
            "CARGO_HOME": str(run.sandbox_dir / "cargo-home"),
            "CARGO_TARGET_DIR": str(run.sandbox_dir / "cargo-target"),
            "CARGO_TERM_COLOR": "never",
            "CARGO_NET_OFFLINE": "true",
            "CARGO_INCREMENTAL": "0",
            "RUST_BACKTRACE": "0",
        }
        for tool, variable in (("rustc", "RUSTC"), ("rustdoc", "RUSTDOC")):
            if cargo.is_absolute() and (cargo.parent / tool).exists():
                env[variable] = str(cargo.parent / tool)
        argv = [
            "sh",
            self.driver_file,
            run.output(RESULTS_FILE),
            rust.target,
            *(sorted(set(filters)) or [NOTHING]),
        ]
        return RunPlan(argv=argv, env=env, files=files, results_file=RESULTS_FILE)

    def read_output(
        self, log: FamilyLog, selection: RustSelection
    ) -> tuple[list[TestOutcome], list[str]]:
        known = {(root, name): test_id for test_id, root, name in selection.names}
        seen: dict[tuple[str, str], Outcome] = {}  # (root, name) -> outcome, in order
        messages: dict[tuple[str, str], list[str]] = {}
        compile_errors: list[str] = []
        root, failure = "", None
        for line in log.lines:
            if match := _RUNNING.match(line):
                root, failure = match.group(1), None
            elif match := _TEST_LINE.match(line):
                seen[(root, match.group(1))] = _STATUS.get(match.group(2), Outcome.SKIPPED)
            elif match := _FAILURE_HEADER.match(line):
                failure = (root, match.group(1))
                messages[failure] = []
            elif line == "failures:" or line.startswith("test result:"):
                failure = None
            elif failure is not None:
                messages[failure].append(line)
            elif _COMPILE_ERROR.match(line) and "could not compile" not in line:
                compile_errors.append(line.strip())
        outcomes = []
        for (crate, name), outcome in seen.items():
            test_id, source = self._identify(selection, known, log, crate, name)
            message = _failure_message(messages.get((crate, name), []))
            outcomes.append(TestOutcome(test_id, source, outcome, message))
        return outcomes, compile_errors

    def family_test_id(self, selection: RustSelection, family: str, name: str) -> str:
        return qualified(selection.target, name.removeprefix(selection.target_prefix))

    def family_id(self, selection: RustSelection, family: str) -> str:
        return qualified(selection.target, MODEL_MODULE + family)

    def tests_in(self, source: str) -> list[tuple[str, set[str]]]:
        """(libtest path inside the file, names referenced) for each #[test] function."""
        if "test" not in source:
            return []
        tree = self.spec.parse(source)
        captures = tree_sitter.QueryCursor(self.spec.queries.tests).captures(tree.root_node)
        marked = set()
        for node in captures.get("test.attribute", []):
            if text(node) == "test":
                item = node.parent
                while item is not None and item.type != "attribute_item":
                    item = item.parent
                if item is not None:
                    marked.add(item.id)
        found = []
        for function in sorted(captures.get("test.function", []), key=lambda n: n.start_byte):
            if not _has_attribute(function, marked):
                continue
            path = _module_path(function)
            name = function.child_by_field_name("name")
            if path is None or name is None:
                continue
            found.append((path + text(name), self.spec.references_in(tree.root_node, function)))
        return found

    @staticmethod
    def _identify(
        rust: RustSelection,
        known: dict[tuple[str, str], str],
        log: FamilyLog,
        crate: str,
        name: str,
    ) -> tuple[str, str]:
        if (crate, name) in known:
            return known[(crate, name)], "workspace"
        if crate == rust.target_root and name in log.expected:
            test_id = qualified(rust.target, name.removeprefix(rust.target_prefix))
            return test_id, log.expected[name][1]
        for segment in name.split("::"):
            if segment.startswith(MODEL_MODULE) and crate == rust.target_root:
                voice = log.families.get(segment.removeprefix(MODEL_MODULE), "workspace")
                return qualified(rust.target, name.removeprefix(rust.target_prefix)), voice
        return qualified(join(rust.package_dir, crate), name), "workspace"


def model_module(safe_voice: str, tests: Sequence[str]) -> str:
    """One family's tests as a test-only module appended to the target file."""
    body = "\n\n".join(test.strip("\n") for test in tests)
    return (
        f"\n\n#[cfg(test)]\nmod {MODEL_MODULE}{safe_voice} {{\n"
        "    #[allow(unused_imports)]\n    use super::*;\n\n"
        f"{body}\n}}\n"
    )


def _has_attribute(function: tree_sitter.Node, marked: set[int]) -> bool:
    sibling = function.prev_named_sibling
    while sibling is not None and sibling.type in (
        "attribute_item",
        "line_comment",
        "block_comment",
    ):
        if sibling.id in marked:
            return True
        sibling = sibling.prev_named_sibling
    return False


def _module_path(function: tree_sitter.Node) -> str | None:
    """ "a::b::" for a function in `mod a { mod b { … } }`; None inside a function or impl."""
    parts: list[str] = []
    node = function.parent
    while node is not None and node.type != "source_file":
        if node.type == "mod_item":
            name = node.child_by_field_name("name")
            parts.insert(0, text(name) if name is not None else "")
        elif node.type != "declaration_list":
            return None
        node = node.parent
    return "".join(f"{part}::" for part in parts)


def _package_files(files: Sequence[str], package: str) -> list[str]:
    """Package-relative .rs files under src/ and tests/, leaving out nested packages."""
    prefix = f"{package}/" if package else ""
    nested = {
        str(PurePosixPath(rel).parent)
        for rel in files
        if rel.startswith(prefix) and rel.endswith("/Cargo.toml") and rel != f"{prefix}Cargo.toml"
    }
    found = []
    for rel in files:
        if not rel.startswith(prefix) or not rel.endswith(".rs"):
            continue
        if any(rel.startswith(f"{folder}/") for folder in nested):
            continue
        inner = rel[len(prefix) :]
        if inner.split("/", 1)[0] in ("src", "tests"):
            found.append(inner)
    return found


def _crate_of(rel: str, has_lib: bool) -> tuple[str, str] | None:
    """The crate root (package-relative) whose test binary holds `rel`, and its module prefix."""
    path = PurePosixPath(rel)
    parts = path.parts
    if len(parts) < 2 or path.suffix != ".rs":
        return None
    if parts[0] == "tests":
        if len(parts) == 2 or (len(parts) == 3 and parts[2] == "main.rs"):
            return rel, ""
        return None  # helper modules shared by integration tests
    if parts[0] != "src":
        return None
    if rel in ("src/lib.rs", "src/main.rs"):
        return rel, ""
    if parts[1] == "bin":
        if len(parts) == 3 or (len(parts) == 4 and parts[3] == "main.rs"):
            return rel, ""
        return None
    modules = list(parts[1:-1])
    if path.stem != "mod":
        modules.append(path.stem)
    return ("src/lib.rs" if has_lib else "src/main.rs"), "".join(f"{m}::" for m in modules)


def _failure_message(lines: list[str]) -> str:
    kept = [
        line
        for line in lines
        if line.strip() and not line.startswith("note: run with `RUST_BACKTRACE")
    ]
    return clip("\n".join(kept).strip())


@functools.cache
def _toolchain_cargo() -> str | None:
    """The toolchain's own cargo. Under rustup, PATH's cargo is a proxy that needs HOME."""
    cargo, rustc = shutil.which("cargo"), shutil.which("rustc")
    if cargo is None:
        return None
    if rustc is not None:
        # rustup's proxies read rust-toolchain.toml from the working directory up, and its
        # `path` names a program to run: run_tool looks from "/", not the server's directory.
        done = run_tool([rustc, "--print", "sysroot"], env=os.environ)
        sysroot = done.stdout.strip() if isinstance(done, subprocess.CompletedProcess) else ""
        if sysroot and (Path(sysroot) / "bin" / "cargo").exists():
            return str(Path(sysroot) / "bin" / "cargo")
    return cargo
