"""Rust tests: `cargo test`, selected with tree-sitter, results read from libtest's text output.

Test functions are `#[test]` (or `#[x::test]`) functions in the `.rs` files of the target's
package: unit tests in `src/` (typically a `#[cfg(test)] mod tests`) and integration tests in
`tests/*.rs`. Those that reference the target's definitions are run by their exact libtest names
(`cargo test --tests -- --exact a::b c`), which excludes doctests, examples and benches.

Model-written tests are appended to the target file, one module per family
(`#[cfg(test)] mod counterpoint_model_tests_<voice> { use super::*; … }`), so they see private
items exactly as the workspace's own unit tests do. Rust compiles a crate as a whole, so a family
whose tests do not compile would break every test: a small driver script
(`testing.family_driver`, shared with Go) first builds with all families, and when that fails
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
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

import tree_sitter

from counterpoint.languages.spec import LanguageSpec
from counterpoint.languages.testing import (
    EXPECTED_FILE,
    MODEL_DIR,
    BehaviourProbe,
    FamilyLog,
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

MODEL_MODULE = "counterpoint_model_tests_"
DRIVER_FILE = f"{MODEL_DIR}/run_cargo.sh"
RESULTS_FILE = "results.txt"
NOTHING = "counterpoint::no_tests_selected"  # an --exact filter matching no test

# Runs in the run directory: sh DRIVER RESULTS TARGET FILTER...
_CARGO_TEST = '"$CP_CARGO" test --offline --tests --message-format short'
DRIVER = family_driver(
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

_RUNNING = re.compile(r"^\s+Running (?:unittests )?(\S+)")
_TEST_LINE = re.compile(r"^test (\S+) \.\.\. (ok|FAILED|ignored\b.*)$")
_FAILURE_HEADER = re.compile(r"^---- (\S+) stdout ----$")
_COMPILE_ERROR = re.compile(r"^(error(\[E\d+\])?: |\S+:\d+:\d+: error)")


@dataclass(frozen=True)
class RustSelection(TestSelection):
    """A selection that also knows the target's package and where libtest names come from."""

    __test__ = False

    package_dir: str = ""  # workspace-relative folder holding Cargo.toml, "" at the root
    target_root: str = ""  # the crate root (package-relative) whose binary holds the target
    target_prefix: str = ""  # the target's module path inside that crate, "a::b::" or ""
    names: tuple[tuple[str, str, str], ...] = ()  # (test id, crate root, libtest name)


class CargoTests:
    runner_name = "cargo test"

    def __init__(self, spec: LanguageSpec) -> None:
        self.spec = spec

    def interpreter(self, root: Path, configured: str | None) -> str:
        return configured or _toolchain_cargo() or "cargo"

    def runner_available(self, interpreter: str) -> str | None:
        return _cargo_missing(interpreter)

    def import_hint(self, module: str, root: Path | None = None, target_path: str = "") -> str:
        return (
            f"Your tests run with `cargo test`: they are appended to the end of {module} inside "
            "`#[cfg(test)] mod counterpoint_model_tests_<you> { use super::*; … }`, so write "
            "only `#[test] fn …` items (no `mod` wrapper); private items are in scope."
        )

    def module_name(self, root: Path, target_path: str) -> str | None:
        path = Path(target_path)
        if path.is_absolute():
            try:
                path = path.relative_to(root)
            except ValueError:
                return None
        return path.as_posix() if path.suffix == ".rs" else None

    def discover(
        self,
        files: Sequence[str],
        read: Callable[[str], str | None],
        target_path: str,
        symbols: Sequence[str],
        target_code: str,
        root: Path | None = None,
    ) -> TestSelection:
        package = _package_dir(files, target_path)
        if package is None:
            return TestSelection(notes=(f"no Cargo.toml above {target_path}: tests not run",))
        members = _package_files(files, package)
        has_lib = "src/lib.rs" in members
        selection = select_tests(
            [_join(package, rel) for rel in members],
            read,
            lambda rel: _crate_of(_relative(package, rel), has_lib) is not None,
            self.tests_in,
            (),
            symbols,
        )
        names = []
        for test_id in selection.test_ids:
            rel, path = test_id.split("::", 1)
            crate = _crate_of(_relative(package, rel), has_lib)
            if crate is not None:
                names.append((test_id, crate[0], crate[1] + path))
        target_crate = _crate_of(_relative(package, target_path), has_lib) or ("", "")
        return RustSelection(
            selection.test_ids,
            (),
            selection.suite_size,
            selection.notes,
            package_dir=package,
            target=target_path,
            target_root=target_crate[0],
            target_prefix=target_crate[1],
            names=tuple(names),
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
        rust = selection if isinstance(selection, RustSelection) else RustSelection()
        files: dict[str, str] = {DRIVER_FILE: DRIVER}
        filters = [name for _, _, name in rust.names]
        families = []
        for voice, tests in model_tests.items():
            if not tests:
                continue
            family = safe_family(voice)
            module = model_module(family, tests)
            files[family_file(family, "rs")] = module  # the driver appends it to the target
            names = [rust.target_prefix + path for path, _ in self.tests_in(module)]
            filters += names
            families.append((family, voice, names))
        files[EXPECTED_FILE] = expected_lines(families)
        cargo = Path(interpreter)
        env = {
            "CP_CARGO": interpreter,
            "CP_MANIFEST": _join(rust.package_dir, "Cargo.toml"),
            "CARGO_HOME": str(sandbox_dir / "cargo-home"),
            "CARGO_TARGET_DIR": str(sandbox_dir / "cargo-target"),
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
            DRIVER_FILE,
            str(sandbox_dir / RESULTS_FILE),
            rust.target,
            *(sorted(set(filters)) or [NOTHING]),
        ]
        return RunPlan(argv=argv, env=env, files=files, results_file=RESULTS_FILE)

    def behaviour_probe(
        self,
        module: str | None,
        target_code: str,
        sources: Sequence[str],
        edge_cases: Sequence[str],
    ) -> tuple[BehaviourProbe | None, str | None]:
        return None, "behaviour not compared: not supported for rust yet"

    def read_results(
        self, results: str, selection: TestSelection, model_files: dict[str, str]
    ) -> list[TestOutcome]:
        rust = selection if isinstance(selection, RustSelection) else RustSelection()
        known = {(root, name): test_id for test_id, root, name in rust.names}
        log = read_family_log(results)
        seen: dict[tuple[str, str], Outcome] = {}  # (root, name) -> outcome, in order
        messages: dict[tuple[str, str], list[str]] = {}
        compile_errors: list[str] = []
        root, failure = "", None
        for line in log.lines:
            if match := _RUNNING.match(line):
                root, failure = match.group(1), None
            elif match := _TEST_LINE.match(line):
                status = match.group(2)
                seen[(root, match.group(1))] = (
                    Outcome.PASSED
                    if status == "ok"
                    else Outcome.FAILED
                    if status == "FAILED"
                    else Outcome.SKIPPED
                )
            elif match := _FAILURE_HEADER.match(line):
                failure = (root, match.group(1))
                messages[failure] = []
            elif line == "failures:" or line.startswith("test result:"):
                failure = None
            elif failure is not None:
                messages[failure].append(line)
            elif _COMPILE_ERROR.match(line) and "could not compile" not in line:
                compile_errors.append(line.strip())

        def family_test(_family: str, name: str) -> str:
            return _join_id(rust.target, name.removeprefix(rust.target_prefix))

        outcomes = []
        for (crate, name), outcome in seen.items():
            test_id, source = self._identify(rust, known, log, crate, name)
            message = _failure_message(messages.get((crate, name), []))
            outcomes.append(TestOutcome(test_id, source, outcome, message))
        outcomes += unrun_errors(
            log,
            {outcome.id for outcome in outcomes},
            [test_id for test_id, _, _ in rust.names],
            "\n".join(compile_errors[:6]),
            family_test,
            lambda family: _join_id(rust.target, MODEL_MODULE + family),
        )
        return outcomes

    def tests_in(self, source: str) -> list[tuple[str, set[str]]]:
        """(libtest path inside the file, names referenced) for each #[test] function."""
        if "test" not in source:
            return []
        data = source.encode("utf-8")
        tree = self.spec.parser().parse(data)
        captures = tree_sitter.QueryCursor(self.spec.query("tests")).captures(tree.root_node)
        marked = set()
        for node in captures.get("test.attribute", []):
            if _text(node) == "test":
                item = node.parent
                while item is not None and item.type != "attribute_item":
                    item = item.parent
                if item is not None:
                    marked.add(item.id)
        references = self.spec.query("references")
        found = []
        for function in sorted(captures.get("test.function", []), key=lambda n: n.start_byte):
            if not _has_attribute(function, marked):
                continue
            path = _module_path(function)
            name = function.child_by_field_name("name")
            if path is None or name is None:
                continue
            cursor = tree_sitter.QueryCursor(references)
            cursor.set_byte_range(function.start_byte, function.end_byte)
            names = {_text(n) for nodes in cursor.captures(tree.root_node).values() for n in nodes}
            found.append((path + _text(name), names))
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
            test_id = _join_id(rust.target, name.removeprefix(rust.target_prefix))
            return test_id, log.expected[name][1]
        for segment in name.split("::"):
            if segment.startswith(MODEL_MODULE) and crate == rust.target_root:
                voice = log.families.get(segment.removeprefix(MODEL_MODULE), "workspace")
                return _join_id(rust.target, name.removeprefix(rust.target_prefix)), voice
        return _join_id(_join(rust.package_dir, crate), name), "workspace"


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
            parts.insert(0, _text(name) if name is not None else "")
        elif node.type != "declaration_list":
            return None
        node = node.parent
    return "".join(f"{part}::" for part in parts)


def _package_dir(files: Sequence[str], target_path: str) -> str | None:
    present = set(files)
    for folder in PurePosixPath(target_path).parents:
        rel = "" if str(folder) == "." else str(folder)
        if _join(rel, "Cargo.toml") in present:
            return rel
    return None


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


def _join(folder: str, rel: str) -> str:
    return f"{folder}/{rel}" if folder else rel


def _relative(package: str, rel: str) -> str:
    return rel[len(package) + 1 :] if package else rel


def _join_id(file: str, name: str) -> str:
    return f"{file}::{name}"


def _text(node: tree_sitter.Node) -> str:
    return node.text.decode("utf-8", "replace") if node.text else ""


@functools.cache
def _toolchain_cargo() -> str | None:
    """The toolchain's own cargo. Under rustup, PATH's cargo is a proxy that needs HOME."""
    cargo, rustc = shutil.which("cargo"), shutil.which("rustc")
    if cargo is None:
        return None
    if rustc is not None:
        try:
            sysroot = subprocess.run(
                [rustc, "--print", "sysroot"],
                capture_output=True,
                text=True,
                timeout=60,
                # rustup's proxies read rust-toolchain.toml from the working directory up, and
                # its `path` names a program to run: not the server's directory, which may be
                # the workspace (VS Code starts the server there).
                cwd="/",
            ).stdout.strip()
        except (OSError, subprocess.SubprocessError):
            sysroot = ""
        if sysroot and (Path(sysroot) / "bin" / "cargo").exists():
            return str(Path(sysroot) / "bin" / "cargo")
    return cargo


@functools.cache
def _cargo_missing(interpreter: str) -> str | None:
    try:
        probe = subprocess.run(
            [interpreter, "--version"],
            capture_output=True,
            text=True,
            timeout=60,
            env={"PATH": os.environ.get("PATH", "")},
            cwd="/",  # a rustup proxy reads the toolchain file of its working directory
        )
    except (OSError, subprocess.SubprocessError):
        return "not executed: no runner for rust (install cargo)"
    if probe.returncode != 0:
        shown = (probe.stderr or probe.stdout).strip().splitlines()[:1]
        return f"not executed: `{interpreter} --version` failed: {' '.join(shown) or '?'}"
    return None
