"""An isolated, incrementally refreshed copy of a workspace.

The base copy holds the workspace's tracked and untracked-not-ignored files (git's view when the
workspace is a repository, else a walk that skips VCS folders, virtualenvs, node_modules and
caches). Files are *copied* into the base, never hardlinked to the user's files, so nothing a test
does can write through to the workspace. A run never writes to the base either: it sees the base
through an overlay whose writes land in its own layer (sandbox/runner.py), with its own files
(`stage_files`) above the base.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import threading
import time
from dataclasses import dataclass
from pathlib import Path

SKIPPED_DIRS = frozenset(
    {
        ".git",
        ".hg",
        ".svn",
        ".venv",
        "venv",
        "env",
        ".env",
        "node_modules",
        "__pycache__",
        ".mypy_cache",
        ".pytest_cache",
        ".ruff_cache",
        ".tox",
        ".nox",
        ".cache",
        "build",
        "dist",
        ".counterpoint",
    }
)
MAX_FILE_BYTES = 20 * 1024 * 1024
MAX_FILES = 50_000
PROJECT_MARKERS = (
    "pyproject.toml",
    "setup.py",
    "setup.cfg",
    "package.json",
    "go.mod",
    "Cargo.toml",
    ".git",
)
LOOSE_TEST_DIRS = ("tests", "test", "__tests__")
# Build output left out only beside its build file: cargo's target/ next to Cargo.toml.
BUILD_OUTPUT = {"target": "Cargo.toml"}
# Dot-entries of a dependency folder that are part of the installation; other dot-folders
# (.cache, .vite, …) are tools' caches, which a run must create in its own copy.
INSTALLED_DOT_ENTRIES = frozenset(
    {".bin", ".pnpm", ".modules.yaml", ".package-lock.json", ".yarn-state.yml", ".yarn-integrity"}
)


class SnapshotTooLarge(RuntimeError):
    """The workspace has more files than a sandbox copy should take."""


@dataclass(frozen=True)
class RefreshStats:
    files: int
    copied: int
    removed: int
    seconds: float


class WorkspaceSnapshot:
    """The base copy of one workspace, kept under `store/<hash of root>/base`."""

    def __init__(self, root: Path, store: Path) -> None:
        self.root = root.resolve()
        digest = hashlib.sha256(str(self.root).encode()).hexdigest()[:16]
        self.home = store / digest
        self.base = self.home / "base"
        self._manifest_file = self.home / "manifest.json"
        self._manifest = self._load_manifest()  # rel -> source and copy (mtime_ns, size)
        self._lock = threading.Lock()

    @property
    def files(self) -> list[str]:
        return sorted(self._manifest)

    def fingerprint(self, exclude: str = "") -> str:
        """What the base copy holds (names, sizes, times), apart from `exclude`: results that
        depend on the workspace are keyed on it, so an edit to any other file invalidates them."""
        with self._lock:
            items = sorted((rel, known[:2]) for rel, known in self._manifest.items())
        digest = hashlib.sha256(str(self.root).encode())
        for rel, (mtime_ns, size) in items:
            if rel != exclude:
                digest.update(f"{rel}\0{mtime_ns}\0{size}\n".encode())
        return digest.hexdigest()

    def refresh(self) -> RefreshStats:
        """Bring the base copy up to date: copy new or changed files, drop deleted ones."""
        with self._lock:
            started = time.monotonic()
            self.base.mkdir(parents=True, exist_ok=True)
            listed = self._list_files()
            copied = 0
            fresh: dict[str, tuple[int, int, int, int]] = {}
            for rel in listed:
                source = self.root / rel
                try:
                    stat = source.stat()
                except OSError:
                    continue
                if stat.st_size > MAX_FILE_BYTES or not _is_regular(stat.st_mode):
                    continue
                known = self._manifest.get(rel)
                target = self.base / rel
                if (
                    known
                    and known[:2] == (stat.st_mtime_ns, stat.st_size)
                    and _unchanged(target, known)
                ):
                    fresh[rel] = known
                    continue
                target.parent.mkdir(parents=True, exist_ok=True)
                # Unique per process and thread: two CLI runs may refresh the same base at once.
                tmp = target.with_name(f"{target.name}.{_unique()}.cp-tmp")
                shutil.copyfile(source, tmp)
                os.replace(tmp, target)  # never write through an existing hardlink
                copy = target.stat()
                fresh[rel] = (stat.st_mtime_ns, stat.st_size, copy.st_mtime_ns, copy.st_size)
                copied += 1
            removed = 0
            for rel in set(self._manifest) - set(fresh):
                (self.base / rel).unlink(missing_ok=True)
                removed += 1
            self._manifest = fresh
            if copied or removed or not self._manifest_file.exists():
                self._save_manifest()
            return RefreshStats(len(fresh), copied, removed, time.monotonic() - started)

    def _load_manifest(self) -> dict[str, tuple[int, int, int, int]]:
        """Kept on disk, so a new process (the CLI) refreshes incrementally too."""
        try:
            raw = json.loads(self._manifest_file.read_text("utf-8"))
            return {rel: (int(a), int(b), int(c), int(d)) for rel, (a, b, c, d) in raw.items()}
        except (OSError, ValueError, TypeError):
            return {}  # missing or damaged: the next refresh copies what it must

    def _save_manifest(self) -> None:
        tmp = self._manifest_file.with_suffix(f".{_unique()}.tmp")
        tmp.write_text(json.dumps(self._manifest), "utf-8")
        os.replace(tmp, self._manifest_file)

    def _list_files(self) -> list[str]:
        if not is_project(self.root):
            return self._loose_files()
        if (self.root / ".git").exists():
            try:
                listed = subprocess.run(
                    ["git", "ls-files", "--cached", "--others", "--exclude-standard", "-z"],
                    cwd=self.root,
                    capture_output=True,
                    check=True,
                    timeout=30,
                ).stdout
                names = [
                    rel
                    for rel in listed.decode("utf-8", "surrogateescape").split("\0")
                    if rel and not SKIPPED_DIRS.intersection(Path(rel).parts[:-1])
                ]
                return [rel for rel in names if not _in_build_output(self.root, rel)]
            except (OSError, subprocess.SubprocessError):
                pass  # no usable git: walk instead
        return self._walk(self.root)

    def _walk(self, top: Path) -> list[str]:
        found: list[str] = []
        for directory, dirs, files in os.walk(top):
            dirs[:] = [
                d
                for d in dirs
                if d not in SKIPPED_DIRS
                and not d.endswith(".egg-info")
                and not _is_build_output(Path(directory), d)
            ]
            rel_dir = os.path.relpath(directory, self.root)
            found += [name if rel_dir == "." else os.path.join(rel_dir, name) for name in files]
            if len(found) > MAX_FILES:
                raise SnapshotTooLarge(
                    f"not executed: {self.root} has more than {MAX_FILES} files to copy; "
                    "open the project's own folder"
                )
        return found

    def _loose_files(self) -> list[str]:
        """A folder that is no project (say a file in ~ or /tmp): its own files and its test
        folders only, never everything below it."""
        found = [entry.name for entry in os.scandir(self.root) if entry.is_file()]
        for name in LOOSE_TEST_DIRS:
            if (self.root / name).is_dir():
                found += self._walk(self.root / name)
        if len(found) > MAX_FILES:
            raise SnapshotTooLarge(f"not executed: {self.root} has too many files to copy")
        return found


def _unique() -> str:
    return f"{os.getpid()}-{threading.get_ident()}-{os.urandom(3).hex()}"


def stage_files(stage: Path, files: dict[str, str]) -> None:
    """Write a run's own files (the version under test, model tests) into its stage folder,
    the overlay's top layer: they hide the snapshot's copies without touching them."""
    for rel, text in files.items():
        parts = Path(rel).parts
        if not parts or Path(rel).is_absolute() or ".." in parts:
            raise ValueError(f"not a path inside the workspace: {rel!r}")
        target = stage.joinpath(*parts)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")


def link_dependencies(run_dir: Path, links: dict[str, str]) -> None:
    """Make each installed-dependency folder (say node_modules) of the workspace visible in a run
    without copying it: a real folder in the run whose entries are symlinks to the workspace's.
    Caches that tools create inside it (node_modules/.vite, .cache) are then the run's own,
    never the user's. The packages themselves are shared: like the interpreter a Python run
    uses, they are the user's installation, not a copy."""
    for rel, source in links.items():
        origin = Path(source)
        target = run_dir / rel
        if not origin.is_dir() or target.exists() or target.is_symlink():
            continue
        target.mkdir(parents=True)
        for entry in os.scandir(origin):
            if entry.name.startswith(".") and entry.name not in INSTALLED_DOT_ENTRIES:
                continue
            os.symlink(entry.path, target / entry.name)


def _is_build_output(folder: Path, name: str) -> bool:
    marker = BUILD_OUTPUT.get(name)
    return marker is not None and (folder / marker).exists()


def _in_build_output(root: Path, rel: str) -> bool:
    parts = Path(rel).parts[:-1]
    return any(
        _is_build_output(root.joinpath(*parts[:index]), part) for index, part in enumerate(parts)
    )


def _is_regular(mode: int) -> bool:
    import stat

    return stat.S_ISREG(mode)


def _unchanged(copy: Path, known: tuple[int, int, int, int]) -> bool:
    """A test may have written to the base through a run's hardlink: then recopy."""
    try:
        stat = copy.stat()
    except OSError:
        return False
    return (stat.st_mtime_ns, stat.st_size) == known[2:]


def find_project_root(path: Path) -> Path:
    """The nearest folder above `path` that looks like a project root, else its folder."""
    for folder in [path.parent, *path.parent.parents]:
        if is_project(folder):
            return folder
    return path.parent


def is_project(folder: Path) -> bool:
    return any((folder / marker).exists() for marker in PROJECT_MARKERS)
