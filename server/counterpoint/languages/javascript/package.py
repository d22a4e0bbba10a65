"""What a package.json says about running a JavaScript or TypeScript package's tests, and what
of its installed dependencies (node_modules) a run needs.

The package is the nearest folder above the target holding a package.json. Its runner is the one
its `test` script names, else the one among its dependencies (vitest, then jest), else node's own
(`node --test`; for TypeScript only with tsx, since node 20 cannot run TypeScript by itself).
vitest and jest run from the workspace's own node_modules: the snapshot leaves node_modules out,
so each run links it in entry by entry (`RunPlan.links`) rather than copying it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

from counterpoint.languages.testing import TestSelection, folder_holding, join
from counterpoint.workspace import inside_workspace, read_workspace_text

NODE_TEST, VITEST, JEST = "node --test", "vitest", "jest"


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


def read_package(folder: str, text: str | None, typescript: bool) -> Package:
    """The package in `folder` from its package.json's text (None: there is none)."""
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
    if framework == NODE_TEST and typescript and not tsx:
        return Package(
            folder,
            None,
            why_not=(
                f"not executed: no runner for typescript ({join(folder, 'package.json')} "
                "names no vitest, jest or tsx, and node cannot run TypeScript by itself)"
                if text is not None
                else "not executed: no runner for typescript (no package.json above the "
                "file to say whether it uses vitest, jest or tsx)"
            ),
        )
    options = ("--experimental-vm-modules",) if "--experimental-vm-modules" in script else ()
    return Package(folder, framework, data.get("type") != "module", options)


def package_folder(target_path: str, exists: Callable[[str], bool]) -> str:
    """The nearest workspace-relative folder above the target holding a package.json."""
    return folder_holding(target_path, "package.json", exists) or ""


def package_on_disk(root: Path, target_path: str, typescript: bool) -> Package:
    folder = package_folder(target_path, lambda candidate: (root / candidate).is_file())
    text = read_workspace_text(root / join(folder, "package.json"))
    return read_package(folder, text, typescript)


def node_modules(root: Path | None, folder: str) -> list[tuple[str, str]]:
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
            found.append((join(rel, "node_modules"), str(origin)))
    return found


def installed_state(links: Sequence[tuple[str, str]]) -> str:
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


def installed_bin(root: Path | None, folder: str, name: str) -> str | None:
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


def conventional_test_files(target_path: str, package_dir: str) -> list[str]:
    """Where a package keeps the target's own tests: beside it, in __tests__ beside it, or in
    the package's test/ or tests/ folder."""
    path = PurePosixPath(target_path)
    stem, folder, suffix = path.stem, path.parent, path.suffix
    package = PurePosixPath(package_dir or ".")
    names = [f"{stem}.test{suffix}", f"{stem}.spec{suffix}", f"{stem}.test.mjs", f"{stem}.test.js"]
    places = (folder, folder / "__tests__", package / "test", package / "tests")
    return [str(place / name) for name in names for place in places]
