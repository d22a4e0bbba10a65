"""An isolated, incrementally refreshed copy of a workspace.

The base copy holds the workspace's tracked and untracked-not-ignored files (git's view when the
workspace is a repository, else a walk that skips VCS folders, virtualenvs, node_modules and
caches). Files are *copied* into the base, never hardlinked to the user's files, so nothing a test
does can write through to the workspace. A run never writes to the base either: it sees the base
through an overlay whose writes land in its own layer (sandbox/runner.py), with its own files
(`stage_files`) above the base.

The workspace is untrusted (a cloned repository). Nothing in it is followed out of its root: its
folders are opened one by one with O_NOFOLLOW, its files opened with O_NOFOLLOW | O_NONBLOCK and
copied only if the open file is a regular one, and a symlink is kept, as a relative link, only
if every hop of it stays inside the root. FIFOs, sockets and devices are left out, with a note.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import stat
import subprocess
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

from counterpoint.workspace import is_project, open_regular

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
TOO_LARGE = f"over the {MAX_FILE_BYTES // (1024 * 1024)} MiB cap"
MAX_FILES = 50_000
LOOSE_TEST_DIRS = ("tests", "test", "__tests__")
# Build output left out only beside its build file: cargo's target/ next to Cargo.toml.
BUILD_OUTPUT = {"target": "Cargo.toml"}
# Dot-entries of a dependency folder that are part of the installation; other dot-folders
# (.cache, .vite, …) are tools' caches, which a run must create in its own copy.
INSTALLED_DOT_ENTRIES = frozenset(
    {".bin", ".pnpm", ".modules.yaml", ".package-lock.json", ".yarn-state.yml", ".yarn-integrity"}
)
# O_NONBLOCK: opening a FIFO returns at once instead of waiting for a writer; O_NOFOLLOW: a
# symlink put in the file's place fails to open (ELOOP) instead of being followed.
READ_FLAGS = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC
FOLDER_FLAGS = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC
WRITE_FLAGS = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC
CHUNK_BYTES = 1024 * 1024
MAX_LINK_HOPS = 40  # the kernel's own limit when it resolves a path
MAX_OPEN_FOLDERS = 128
MANIFEST_FORMAT = 2


class SnapshotTooLarge(RuntimeError):
    """The workspace has more files than a sandbox copy should take."""


@dataclass(frozen=True)
class RefreshStats:
    files: int
    copied: int
    removed: int
    seconds: float
    # What the workspace holds but the base leaves out, each as "path: why".
    skipped: tuple[str, ...] = ()


class Signature(NamedTuple):
    """What lstat says of a file. A process can set mtime back with utime, but not ctime (utime
    itself moves it) nor the inode."""

    mtime_ns: int
    size: int
    ctime_ns: int
    ino: int


def _signature(info: os.stat_result) -> Signature:
    return Signature(info.st_mtime_ns, info.st_size, info.st_ctime_ns, info.st_ino)


class CopiedFile(NamedTuple):  # NamedTuples: a manifest of 10k entries loads fast
    source: Signature  # the workspace file when it was copied
    copy: Signature  # the copy in the base, as last verified
    sha256: str  # of what was copied


class KeptLink(NamedTuple):
    target: str  # relative, and inside the root


Entry = CopiedFile | KeptLink
UNKNOWN = Signature(-1, -1, -1, -1)
# An entry of an older manifest: its name is known (so a deleted file is still removed), but
# nothing proves its copy, so it is copied again.
UNPROVEN = CopiedFile(UNKNOWN, UNKNOWN, "")


class LeftOut(Exception):
    """Why a workspace entry is not in the base: a short note for RefreshStats.skipped."""


class WorkspaceSnapshot:
    """The base copy of one workspace, kept under `store/<hash of root>/base`."""

    def __init__(self, root: Path, store: Path) -> None:
        self.root = root.resolve()
        digest = hashlib.sha256(os.fsencode(self.root)).hexdigest()[:16]
        self.home = store / digest
        self.base = self.home / "base"
        self._manifest_file = self.home / "manifest.json"
        self._manifest = self._load_manifest()  # rel -> CopiedFile or KeptLink
        self._lock = threading.Lock()

    @property
    def files(self) -> list[str]:
        return sorted(self._manifest)

    def fingerprint(self, exclude: str = "") -> str:
        """What the base copy holds (each file's content hash, each link's target), apart from
        `exclude`: results that depend on the workspace are keyed on it, so an edit to any other
        file invalidates them."""
        with self._lock:
            items = sorted(self._manifest.items())
        digest = hashlib.sha256(os.fsencode(self.root))
        for rel, entry in items:
            if rel != exclude:
                held = entry.sha256 if isinstance(entry, CopiedFile) else f"-> {entry.target}"
                digest.update(os.fsencode(f"{rel}\0{held}\n"))  # names need not be UTF-8
        return digest.hexdigest()

    def refresh(self) -> RefreshStats:
        """Bring the base copy up to date: copy new or changed files, (re)make links, drop
        deleted entries. An unchanged entry costs one lstat of the file and one of its copy."""
        with self._lock:
            started = time.monotonic()
            self.base.mkdir(parents=True, exist_ok=True)
            listed = self._list_files()
            # Entries no longer listed go first, so that a path that turned from a folder into
            # a link (or back) is free when its new entry is made.
            gone = set(self._manifest).difference(listed)
            for rel in gone:
                self._remove_copy(rel)
            fresh: dict[str, Entry] = {}
            skipped: list[str] = []
            copied = 0
            changed = bool(gone)
            folders = WorkspaceFolders(self.root)
            try:
                for rel in listed:
                    known = self._manifest.get(rel)
                    try:
                        entry, made = self._refresh_entry(folders, rel, known)
                    except FileNotFoundError:
                        continue  # deleted since it was listed (git lists deleted tracked files)
                    except LeftOut as why:
                        skipped.append(f"{rel}: {why}")
                        continue
                    fresh[rel] = entry
                    copied += made
                    changed = changed or entry is not known
            finally:
                folders.close()
            dropped = [rel for rel in self._manifest if rel not in fresh and rel not in gone]
            for rel in dropped:
                self._remove_copy(rel)
            self._manifest = fresh
            if changed or dropped or not self._manifest_file.exists():
                self._save_manifest()
            return RefreshStats(
                len(fresh),
                copied,
                len(gone) + len(dropped),
                time.monotonic() - started,
                tuple(skipped),
            )

    def _refresh_entry(
        self, folders: WorkspaceFolders, rel: str, known: Entry | None
    ) -> tuple[Entry, bool]:
        """The entry for `rel` now, and whether it was copied or (re)made. Raises LeftOut."""
        head, _, name = rel.rstrip("/").rpartition("/")
        try:
            folder = folders.open(head)
            info = os.stat(_plain(name), dir_fd=folder, follow_symlinks=False)
        except FileNotFoundError:
            raise  # vanished since it was listed: refresh() skips it without a note
        except OSError as error:  # ELOOP: a folder on the way was swapped for a symlink
            raise LeftOut(f"not read ({error.strerror})") from None
        if stat.S_ISLNK(info.st_mode):
            return self._refresh_link(rel, known)
        if not stat.S_ISREG(info.st_mode):
            raise LeftOut(f"a {_kind(info.st_mode)}")
        if info.st_size > MAX_FILE_BYTES:
            raise LeftOut(TOO_LARGE)
        if isinstance(known, CopiedFile) and known.source == _signature(info):
            copy_path = f"{self.base}/{rel}"
            try:
                copy = _signature(os.lstat(copy_path))
            except OSError:
                return self._copy(folder, name, rel), True
            if copy == known.copy:
                return known, False
            # The copy's stat moved: a run may have written through its hardlink and set the
            # times back, or merely linked it (which moves ctime). Its content decides.
            verified = _content_of(copy_path)
            if verified is not None and verified[0] == known.sha256:
                return CopiedFile(known.source, verified[1], known.sha256), False
        return self._copy(folder, name, rel), True

    def _copy(self, folder: int, name: str, rel: str) -> CopiedFile:
        """Copy from the opened file itself (never by its path again), with its content hash."""
        try:
            source = os.open(name, READ_FLAGS, dir_fd=folder)
        except FileNotFoundError:
            raise  # vanished since it was listed
        except OSError as error:  # ELOOP: swapped for a symlink since its lstat
            raise LeftOut(f"not read ({error.strerror})") from None
        try:
            info = os.fstat(source)
            if not stat.S_ISREG(info.st_mode):  # swapped since its lstat
                raise LeftOut(f"a {_kind(info.st_mode)}")
            target = f"{self.base}/{rel}"
            self._make_base_folder(rel.rpartition("/")[0])
            # Unique per process and thread: two CLI runs may refresh the same base at once.
            tmp = f"{target}.{_unique()}.cp-tmp"
            digest = hashlib.sha256()
            try:
                mode = 0o777 if info.st_mode & 0o111 else 0o666  # scripts stay executable
                with open(os.open(tmp, WRITE_FLAGS, mode), "wb") as sink:
                    total = 0
                    while chunk := os.read(source, CHUNK_BYTES):
                        total += len(chunk)
                        if total > MAX_FILE_BYTES:  # grew since its fstat
                            raise LeftOut(TOO_LARGE)
                        digest.update(chunk)
                        sink.write(chunk)
                _replace(tmp, target)  # never write through an existing hardlink
            finally:
                _unlink_quietly(tmp)
            return CopiedFile(_signature(info), _signature(os.lstat(target)), digest.hexdigest())
        finally:
            os.close(source)

    def _refresh_link(self, rel: str, known: Entry | None) -> tuple[KeptLink, bool]:
        """A link that stays inside the root is kept as a link, relative: the workspace's own
        path is not visible inside the sandbox."""
        destination = _link_destination(str(self.root), rel)
        target = os.path.relpath(f"/{destination}", f"/{os.path.dirname(rel)}")
        link = f"{self.base}/{rel}"
        if isinstance(known, KeptLink) and known.target == target and _readlink(link) == target:
            return known, False
        self._make_base_folder(rel.rpartition("/")[0])
        tmp = f"{link}.{_unique()}.ln-tmp"
        try:
            os.symlink(target, tmp)
            _replace(tmp, link)
        finally:
            _unlink_quietly(tmp)
        return KeptLink(target), True

    def _make_base_folder(self, rel_dir: str) -> None:
        """mkdir -p inside the base, replacing a link or file on the way (left there when the
        workspace turned it into a folder): a copy must never be written through a link."""
        path = str(self.base)
        for part in rel_dir.split("/") if rel_dir else ():
            path = f"{path}/{part}"
            try:
                if stat.S_ISDIR(os.lstat(path).st_mode):
                    continue
                os.unlink(path)
            except FileNotFoundError:
                pass
            try:
                os.mkdir(path)
            except FileExistsError:  # another process made it meanwhile
                if not stat.S_ISDIR(os.lstat(path).st_mode):
                    raise

    def _remove_copy(self, rel: str) -> None:
        """Drop an entry's copy or link, never anything through a link: when a folder of the
        base was replaced by a link, what was beneath it went with it."""
        head, _, name = rel.rpartition("/")
        path = str(self.base)
        for part in head.split("/") if head else ():
            path = f"{path}/{part}"
            try:
                if not stat.S_ISDIR(os.lstat(path).st_mode):
                    return
            except FileNotFoundError:
                return
        # Already gone, or now a folder of other entries: either way nothing to drop.
        with contextlib.suppress(FileNotFoundError, IsADirectoryError):
            os.unlink(f"{path}/{name}")

    def _load_manifest(self) -> dict[str, Entry]:
        """Kept on disk, so a new process (the CLI) refreshes incrementally too."""
        try:
            raw = json.loads(self._manifest_file.read_text("utf-8"))
            if raw.get("format") != MANIFEST_FORMAT:  # the older format: (mtime, size) only
                return {str(rel): UNPROVEN for rel in raw}
            return {str(rel): _entry_from_json(value) for rel, value in raw["entries"].items()}
        except (OSError, ValueError, TypeError, KeyError, AttributeError):
            return {}  # missing or damaged: the next refresh copies what it must

    def _save_manifest(self) -> None:
        entries = {rel: _entry_to_json(entry) for rel, entry in self._manifest.items()}
        tmp = self._manifest_file.with_suffix(f".{_unique()}.tmp")
        tmp.write_text(json.dumps({"format": MANIFEST_FORMAT, "entries": entries}), "utf-8")
        os.replace(tmp, self._manifest_file)

    def _list_files(self) -> list[str]:
        if not is_project(self.root):
            return self._loose_files()
        if (self.root / ".git").exists():
            try:
                listed = subprocess.run(
                    # A repository's own .git/config may name a program for git to run
                    # (core.fsmonitor), outside any sandbox: not for a listing.
                    [
                        *("git", "-c", "core.fsmonitor=false", "ls-files"),
                        *("--cached", "--others", "--exclude-standard", "-z"),
                    ],
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
                # dict.fromkeys: a file in a merge conflict is listed once per stage.
                return [rel for rel in dict.fromkeys(names) if not _in_build_output(self.root, rel)]
            except (OSError, subprocess.SubprocessError):
                pass  # no usable git: walk instead
        return self._walk(self.root)

    def _walk(self, top: Path) -> list[str]:
        found: list[str] = []
        for directory, dirs, files in os.walk(top):
            kept = [
                d
                for d in dirs
                if d not in SKIPPED_DIRS
                and not d.endswith(".egg-info")
                and not _is_build_output(Path(directory), d)
            ]
            # os.walk puts a symlinked folder in `dirs` but never descends it: it is an entry
            # of its own, kept as a link if it stays inside the root.
            linked = [d for d in kept if os.path.islink(os.path.join(directory, d))]
            dirs[:] = [d for d in kept if d not in linked]
            rel_dir = os.path.relpath(directory, self.root)
            found += [
                name if rel_dir == "." else os.path.join(rel_dir, name)
                for name in [*files, *linked]
            ]
            if len(found) > MAX_FILES:
                raise SnapshotTooLarge(
                    f"not executed: {self.root} has more than {MAX_FILES} files to copy; "
                    "open the project's own folder"
                )
        return found

    def _loose_files(self) -> list[str]:
        """A folder that is no project (say a file in ~ or /tmp): its own files and its test
        folders only, never everything below it."""
        with os.scandir(self.root) as entries:
            found = [
                entry.name
                for entry in entries
                if entry.is_symlink() or entry.is_file(follow_symlinks=False)
            ]
        for name in LOOSE_TEST_DIRS:
            folder = self.root / name
            if folder.is_dir() and not folder.is_symlink():  # a symlinked one is listed above
                found += self._walk(folder)
        if len(found) > MAX_FILES:
            raise SnapshotTooLarge(f"not executed: {self.root} has too many files to copy")
        return found


class WorkspaceFolders:
    """The workspace's folders, each opened from its parent with O_NOFOLLOW: a folder on the way
    that is a symlink (say `lib -> /`) fails to open instead of leading a read out of the root."""

    def __init__(self, root: Path) -> None:
        self._root = os.open(root, FOLDER_FLAGS)
        self._open: dict[str, int] = {}

    def open(self, rel_dir: str) -> int:
        if not rel_dir:
            return self._root
        known = self._open.get(rel_dir)
        if known is not None:
            return known
        head, _, name = rel_dir.rpartition("/")
        folder = os.open(_plain(name), FOLDER_FLAGS, dir_fd=self.open(head))
        if len(self._open) >= MAX_OPEN_FOLDERS:
            self._close_folders()  # a wide tree must not use up the file descriptors
        self._open[rel_dir] = folder
        return folder

    def close(self) -> None:
        self._close_folders()
        os.close(self._root)

    def _close_folders(self) -> None:
        for folder in self._open.values():
            os.close(folder)
        self._open.clear()


def _link_destination(root: str, rel: str) -> str:
    """Where the workspace link `rel` leads, relative to the root, resolved hop by hop with lstat
    and readlink only (nothing is opened). Every hop must stay inside the root, so a link
    through /proc, /sys or /dev is refused even when it would come back (/proc/self/cwd/...),
    and the end must be a regular file or a folder. Raises LeftOut."""
    resolved: list[str] = []
    pending = rel.split("/")[::-1]  # a stack: the next component last
    hops = 0
    while pending:
        part = pending.pop()
        if part in ("", "."):
            continue
        if part == "..":
            if not resolved:
                raise LeftOut("symlink out of the workspace")
            resolved.pop()
            continue
        path = "/".join([root, *resolved, part])
        try:
            info = os.lstat(path)
            target = os.readlink(path) if stat.S_ISLNK(info.st_mode) else ""
        except OSError:
            raise LeftOut("dangling symlink") from None
        if stat.S_ISLNK(info.st_mode):
            hops += 1
            if hops > MAX_LINK_HOPS:
                raise LeftOut("symlink loop")
            if target.startswith("/"):
                if target != root and not target.startswith(f"{root.rstrip('/')}/"):
                    raise LeftOut("symlink out of the workspace")
                resolved = []
                target = target[len(root) :]
            pending += target.split("/")[::-1]
            continue
        if pending and not stat.S_ISDIR(info.st_mode):
            raise LeftOut("dangling symlink")  # a file used as a folder
        resolved.append(part)
    try:
        info = os.lstat("/".join([root, *resolved]))  # no link is left on this path
    except OSError:
        raise LeftOut("dangling symlink") from None
    if not (stat.S_ISREG(info.st_mode) or stat.S_ISDIR(info.st_mode)):
        raise LeftOut(f"symlink to a {_kind(info.st_mode)}")
    return "/".join(resolved)


def _plain(name: str) -> str:
    """A single path component that stays where it is: a listing never holds `..`, but a
    component from it is opened relative to a folder, so make sure."""
    if name in ("", ".", ".."):
        raise LeftOut("not a plain path")
    return name


def _kind(mode: int) -> str:
    for test, kind in (
        (stat.S_ISFIFO, "FIFO"),
        (stat.S_ISSOCK, "socket"),
        (stat.S_ISCHR, "character device"),
        (stat.S_ISBLK, "block device"),
        (stat.S_ISDIR, "folder"),
    ):
        if test(mode):
            return kind
    return "special file"


def _content_of(path: str) -> tuple[str, Signature] | None:
    """The sha256 and signature of a base copy, read without following a link; None when it is
    no regular file under the size cap (so no longer what was copied)."""
    try:
        with open_regular(path, READ_FLAGS, MAX_FILE_BYTES) as (fd, info):
            digest = hashlib.sha256()
            while chunk := os.read(fd, CHUNK_BYTES):
                digest.update(chunk)
            return digest.hexdigest(), _signature(info)
    except OSError:
        return None


def _replace(tmp: str, target: str) -> None:
    """os.replace that also takes the place of a folder left where a file or link now goes."""
    try:
        os.replace(tmp, target)
    except IsADirectoryError:
        shutil.rmtree(target, ignore_errors=True)
        os.replace(tmp, target)


def _readlink(path: str) -> str | None:
    try:
        return os.readlink(path)
    except OSError:
        return None


def _unlink_quietly(path: str) -> None:
    with contextlib.suppress(FileNotFoundError):
        os.unlink(path)


def _entry_to_json(entry: Entry) -> list:
    """Compact, for a manifest of 10k entries: ["file", *source, *copy, sha256] or
    ["link", target]."""
    if isinstance(entry, KeptLink):
        return ["link", entry.target]
    return ["file", *entry.source, *entry.copy, entry.sha256]


def _entry_from_json(value: list) -> Entry:
    if value[0] == "link":
        return KeptLink(str(value[1]))
    if value[0] == "file" and len(value) == 10:
        return CopiedFile(Signature(*value[1:5]), Signature(*value[5:9]), value[9])
    raise ValueError(f"not a manifest entry: {value!r}")


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
