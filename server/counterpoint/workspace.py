"""Reading the user's workspace from the server itself: the project root, a small config file,
whether a path stays inside the root. The workspace is untrusted: nothing here blocks on a FIFO,
reads past a cap or follows a link out of the root unnoticed. Every layer may use this module;
it imports nothing of ours."""

from __future__ import annotations

import contextlib
import os
import stat
from collections.abc import Iterator
from pathlib import Path

PROJECT_MARKERS = (
    "pyproject.toml",
    "setup.py",
    "setup.cfg",
    "package.json",
    "go.mod",
    "Cargo.toml",
    ".git",
)

WORKSPACE_TEXT_BYTES = 1024 * 1024


@contextlib.contextmanager
def open_regular(path: Path | str, flags: int, cap: int) -> Iterator[tuple[int, os.stat_result]]:
    """The open descriptor and its status, if `path` opens with `flags` as a regular file of at
    most `cap` bytes; raises OSError otherwise (callers read that as "not there"). Checked on
    the open file, so a file swapped for a FIFO or a link after a look is still refused."""
    fd = os.open(path, flags)
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode) or info.st_size > cap:
            raise OSError(f"not a regular file of at most {cap} bytes: {path}")
        yield fd, info
    finally:
        os.close(fd)


def read_regular_file(path: Path | str, cap: int, follow_links: bool = True) -> bytes | None:
    """A file's bytes, or None unless it is a regular file of at most `cap` bytes, opened
    without blocking (a FIFO, a device or /dev/zero reads as None instead of stalling or
    exhausting the server). With `follow_links=False` a symlink reads as None too. Blocking
    I/O: call it off the event loop where that matters."""
    flags = os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC | (0 if follow_links else os.O_NOFOLLOW)
    try:
        with open_regular(path, flags, cap) as (fd, _info):
            data = os.read(fd, cap + 1)  # files of /proc say 0 bytes: bounded by the read itself
    except OSError:
        return None
    return data if len(data) <= cap else None


def read_workspace_text(path: Path | str, cap: int = WORKSPACE_TEXT_BYTES) -> str | None:
    """A workspace file the server itself reads (a pyvenv.cfg, a package.json, the ignore file):
    links are followed, as an editor would, but only a small regular file is read."""
    data = read_regular_file(path, cap)
    return None if data is None else data.decode("utf-8", "replace")


def inside_workspace(path: Path | str, root: Path | str) -> bool:
    """Whether `path`, with every link on the way followed, is inside the workspace `root`: a
    folder the server shows to runs by its workspace path (node_modules, .venv) must not be a
    link that leads elsewhere, since bubblewrap would follow it."""
    real, top = os.path.realpath(path), os.path.realpath(root)
    return real == top or real.startswith(top.rstrip("/") + "/")


def find_project_root(path: Path) -> Path:
    """The nearest folder above `path` that looks like a project root, else its folder."""
    for folder in [path.parent, *path.parent.parents]:
        if is_project(folder):
            return folder
    return path.parent


def is_project(folder: Path) -> bool:
    return any((folder / marker).exists() for marker in PROJECT_MARKERS)
