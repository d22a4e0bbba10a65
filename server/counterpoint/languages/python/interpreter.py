"""Which Python runs a workspace's tests, whether it has pytest, and what a run must see of it.

The order, first taken wins: the `python` setting; the environment the user activated
(VIRTUAL_ENV, then CONDA_PREFIX); the project's .venv or venv; the interpreter the editor
selected (VS Code's Python extension, sent by the client as `editorPython`); python3 on PATH;
Counterpoint's own. The setting is always taken. Each of the others is passed over when it is no
Python interpreter or has no pytest (the report says which were and why); when none has pytest,
the first that is an interpreter is taken and the report says pytest is missing there.

An interpreter inside the workspace is the repository's, so it is never run outside the sandbox
(a cloned `.venv/bin/python` can be any program): it is looked at on disk instead. One outside is
the user's: it is run once, in "/" with PATH alone, to ask where it loads from and whether it
finds pytest, and that answer is kept until the interpreter or those folders change.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Generic, TypeVar

from counterpoint.languages.testing import InterpreterChoice, run_tool
from counterpoint.workspace import inside_workspace, read_workspace_text

WORKSPACE_VENVS = (".venv/bin/python", "venv/bin/python", ".venv/Scripts/python.exe")
# What a Python interpreter's file is called, where its links lead: `python3.12`, `pypy3`,
# `python3.13t`. A `bin/python` that leads to `/bin/sh` is not one.
INTERPRETER_NAME = re.compile(r"(python|pypy)[0-9.]*[a-z]?(\.exe)?")
PROBE_SECONDS = 30

# Where each candidate came from, as the report says it.
REASONS = {
    "setting": "the python setting",
    "virtual_env": "the activated virtualenv (VIRTUAL_ENV)",
    "conda": "the activated conda environment (CONDA_PREFIX)",
    "project": "the project's {folder}",
    "editor": "the interpreter selected in the editor",
    "path": "python3 on PATH, which has pytest",
    "own": "Counterpoint's own Python",
}

# Asks an interpreter, without importing anything of the project's, where it loads from and
# whether it finds pytest. `-s`: a run's HOME is its own, so user site-packages are not there.
_QUERY = (
    "import importlib.util, json, sys; print(json.dumps({'executable': sys.executable, "
    "'paths': [sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix, *sys.path], "
    "'pytest': importlib.util.find_spec('pytest') is not None}))"
)


@dataclass(frozen=True)
class PythonOnHost:
    """What an interpreter outside the workspace says of itself."""

    executable: str  # sys.executable: for a pyenv shim, the real interpreter behind it
    view: tuple[str, ...]  # its prefixes and import path: what the sandbox must show
    missing: str | None  # why its tests cannot run, if they cannot


@dataclass(frozen=True)
class VenvOnDisk:
    view: tuple[str, ...]  # the venv and the Python installation it was made from
    missing: str | None  # why its tests cannot run, if they cannot
    not_a_venv: str | None = None  # why it is no virtualenv to use at all, if it is not


@dataclass(frozen=True)
class _Candidate:
    path: str
    source: str
    why: str
    in_workspace: bool


T = TypeVar("T")
_Stamp = tuple[tuple[str, int], ...]


class _StampedCache(Generic[T]):
    """Answers kept per path until the files they were read from change (their mtimes)."""

    def __init__(self) -> None:
        self._answers: dict[str, tuple[_Stamp, T]] = {}
        self._lock = threading.Lock()

    def get(self, key: str, compute: Callable[[], T], watched: Callable[[T], list[str]]) -> T:
        with self._lock:
            known = self._answers.get(key)
        if known is not None and known[0] == _stamp([path for path, _ in known[0]]):
            return known[1]
        fresh = compute()
        with self._lock:
            self._answers[key] = (_stamp([key, *watched(fresh)]), fresh)
        return fresh


def _stamp(paths: list[str]) -> _Stamp:
    """Each path's modification time (0 when it is gone): installing a package changes its
    site-packages folder's, replacing an interpreter its file's."""
    stamped = []
    for path in paths:
        try:
            stamped.append((path, os.stat(path).st_mtime_ns))
        except OSError:
            stamped.append((path, 0))
    return tuple(stamped)


_ON_HOST: _StampedCache[PythonOnHost] = _StampedCache()
_ON_DISK: _StampedCache[VenvOnDisk] = _StampedCache()


def choose_python(
    root: Path,
    configured: str | None,
    editor: str | None,
    env: Mapping[str, str],
    own: str,
) -> InterpreterChoice:
    """The interpreter for the tests of the workspace `root`, from the `python` setting, the
    editor's selection, the server's environment `env` and the server's own interpreter."""
    if configured:
        state = installation_state(configured, False)
        return InterpreterChoice(configured, "setting", REASONS["setting"], state=state)
    candidates = _candidates(root, editor, env, own)
    passed_over: list[tuple[_Candidate, str]] = []
    fallback: _Candidate | None = None
    for candidate in candidates:
        problem = not_an_interpreter(candidate)
        if problem is None and fallback is None and candidate.source != "path":
            fallback = candidate  # if none has pytest, the report names this one's lack
        problem = problem or _pytest_missing(candidate)
        if problem is None:
            path = candidate.path
            if candidate.source == "path":  # a pyenv shim: run the interpreter it leads to
                path = python_on_host(path).executable or path
            return _chosen(candidate, path, passed_over)
        passed_over.append((candidate, problem))
    chosen = fallback or candidates[-1]
    return _chosen(chosen, chosen.path, [(c, why) for c, why in passed_over if c is not chosen])


def _chosen(
    candidate: _Candidate, path: str, passed_over: list[tuple[_Candidate, str]]
) -> InterpreterChoice:
    said = tuple(f"passed over {c.path} ({c.why}): {problem}" for c, problem in passed_over)
    state = installation_state(path, candidate.in_workspace)
    return InterpreterChoice(
        path, candidate.source, candidate.why, said, candidate.in_workspace, state
    )


def _candidates(
    root: Path, editor: str | None, env: Mapping[str, str], own: str
) -> list[_Candidate]:
    found: list[tuple[str, str, str]] = []  # (path, source, why)
    for variable, source in (("VIRTUAL_ENV", "virtual_env"), ("CONDA_PREFIX", "conda")):
        if env.get(variable):
            found.append((os.path.join(env[variable], "bin", "python"), source, REASONS[source]))
    for relative in WORKSPACE_VENVS:
        if os.path.lexists(root / relative):
            why = REASONS["project"].format(folder=relative.split("/", 1)[0])
            found.append((str(root / relative), "project", why))
    if editor:
        found.append((editor, "editor", REASONS["editor"]))
    on_path = shutil.which("python3", path=env.get("PATH", ""))
    if on_path:
        found.append((on_path, "path", REASONS["path"]))
    found.append((own, "own", REASONS["own"]))
    top = os.path.abspath(root)
    seen: set[str] = set()
    candidates = []
    for path, source, why in found:
        absolute = os.path.abspath(path)
        if absolute in seen:
            continue
        seen.add(absolute)
        # The server's own is running already; any other inside the workspace (by its path or
        # where its links lead) is the repository's.
        inside = source != "own" and (_inside(absolute, top) or inside_workspace(absolute, top))
        candidates.append(_Candidate(absolute, source, why, inside))
    return candidates


def installation_state(interpreter: str, in_workspace: bool) -> str:
    """A fingerprint of what the interpreter loads: the modification times of its file and of
    the folders it imports from (a workspace venv's site-packages)."""
    if in_workspace:
        venv = Path(interpreter).parent.parent
        watched = [str(venv / "pyvenv.cfg"), *map(str, venv.glob("lib/python3*/site-packages"))]
    else:
        watched = [interpreter, *python_on_host(interpreter).view]
    return hashlib.sha256(repr(_stamp(watched)).encode()).hexdigest()[:16]


def _inside(path: str, folder: str) -> bool:
    return path == folder or path.startswith(folder.rstrip("/") + "/")


def not_an_interpreter(candidate: _Candidate) -> str | None:
    """Why a candidate is no interpreter to use: missing, not executable, a link that leads to
    another kind of program; for one inside the workspace, no virtualenv of its own."""
    if candidate.in_workspace:
        return venv_on_disk(candidate.path).not_a_venv
    path = candidate.path
    if not os.path.isfile(path):
        return "no such file"
    if not os.access(path, os.X_OK):
        return "not executable"
    real = os.path.realpath(path)
    if not INTERPRETER_NAME.fullmatch(os.path.basename(real)):
        return f"it leads to {real}, which is not a Python interpreter"
    return None


def _pytest_missing(candidate: _Candidate) -> str | None:
    if candidate.in_workspace:
        return venv_on_disk(candidate.path).missing
    return python_on_host(candidate.path).missing


def pytest_missing(interpreter: str) -> str | None:
    return python_on_host(interpreter).missing


def import_path(interpreter: str) -> tuple[str, ...]:
    """Where the interpreter loads its standard library and packages from (its prefixes and
    `sys.path`): what the sandbox must show, read-only, for it to start."""
    return python_on_host(interpreter).view


def python_on_host(interpreter: str) -> PythonOnHost:
    """An interpreter outside the workspace, asked once and again only when it or the folders
    it loads from change."""
    return _ON_HOST.get(interpreter, lambda: _ask(interpreter), lambda answer: list(answer.view))


def _ask(interpreter: str) -> PythonOnHost:
    done = run_tool([interpreter, "-s", "-c", _QUERY], timeout=PROBE_SECONDS)
    if isinstance(done, Exception):
        return PythonOnHost("", (), f"cannot start {interpreter}: {done}")
    try:
        said = json.loads(done.stdout)
        paths = [str(p) for p in said["paths"] if isinstance(p, str) and p]
        executable, has_pytest = str(said["executable"] or ""), said["pytest"] is True
    except (ValueError, KeyError, TypeError):
        shown = (done.stderr or done.stdout).strip().splitlines()[-1:] or ["no answer"]
        return PythonOnHost("", (), f"{interpreter} did not answer as Python: {shown[0][:200]}")
    missing = (
        None
        if has_pytest
        else f"pytest is not installed for {interpreter}; install it there to run tests"
    )
    return PythonOnHost(executable, tuple(paths), missing)


def venv_on_disk(interpreter: str) -> VenvOnDisk:
    """A workspace's virtualenv, read from its files without running anything of it: the
    folders a run needs, and whether pytest is installed. Its base installation (pyvenv.cfg's
    `home`, or where `bin/python` leads) is shown to runs only if it holds a standard library,
    so a hostile pyvenv.cfg or symlink cannot open other folders to the sandbox. Read again
    when the venv, its pyvenv.cfg or its site-packages change."""
    venv = Path(interpreter).parent.parent

    def watched(_answer: VenvOnDisk) -> list[str]:
        sites = [str(site) for site in venv.glob("lib/python3*/site-packages")]
        return [str(venv), str(venv / "pyvenv.cfg"), *sites]

    return _ON_DISK.get(interpreter, lambda: _read_venv(interpreter), watched)


def _read_venv(interpreter: str) -> VenvOnDisk:
    venv = Path(interpreter).parent.parent
    if not inside_workspace(venv, venv.parent):
        # A link out of the workspace: bubblewrap would show where it leads, whatever that is.
        why = f"not executed: {venv} is a link out of the workspace"
        return VenvOnDisk((), why, why)
    config = venv / "pyvenv.cfg"
    text = read_workspace_text(config)
    if text is None:
        why = f"not executed: {interpreter} is not in a virtualenv (no {config})"
        return VenvOnDisk((), why, why)
    lines = text.splitlines()
    homes = [
        line.split("=", 1)[1].strip() for line in lines if line.split("=")[0].strip() == "home"
    ]
    candidates = [Path(home) for home in homes[:1]] + [Path(os.path.realpath(interpreter)).parent]
    view = [str(venv)]
    for folder in candidates:
        # Resolved first: the folder checked is the folder shown (`a/../b` walked through a
        # link is not the `b` a bind would take it for).
        folder = Path(os.path.realpath(folder))
        base = folder.parent if folder.name == "bin" else folder
        if any(base.glob("lib/python3*/os.py")):
            view.append(str(base))
    sites = list(venv.glob("lib/python3*/site-packages"))
    if not any((site / "pytest").is_dir() or (site / "_pytest").is_dir() for site in sites):
        return VenvOnDisk(
            tuple(view), f"pytest is not installed for {interpreter}; install it there to run tests"
        )
    return VenvOnDisk(tuple(view), None)
