"""Which Python runs a workspace's tests, whether it has pytest, and what a run must see of it.

A virtualenv inside the workspace is the repository's, so it is never run outside the sandbox (a
cloned `.venv/bin/python` can be any program): it is looked at on disk instead.
"""

from __future__ import annotations

import functools
import json
import os
from dataclasses import dataclass
from pathlib import Path

from counterpoint.languages.testing import run_tool
from counterpoint.workspace import inside_workspace, read_workspace_text

WORKSPACE_VENVS = (".venv/bin/python", "venv/bin/python", ".venv/Scripts/python.exe")


@functools.cache
def pytest_missing(interpreter: str) -> str | None:
    probe = run_tool([interpreter, "-c", "import pytest"])
    if isinstance(probe, Exception):
        return f"cannot start {interpreter}: {probe}"
    if probe.returncode != 0:
        return f"pytest is not installed for {interpreter}; install it there to run tests"
    return None


@functools.cache
def import_path(interpreter: str) -> tuple[str, ...]:
    """Where the interpreter loads its standard library and packages from (its prefixes and
    `sys.path`): what the sandbox must show, read-only, for it to start."""
    query = (
        "import json, sys; print(json.dumps([sys.prefix, sys.base_prefix, sys.exec_prefix, "
        "sys.base_exec_prefix, *sys.path]))"
    )
    shown = run_tool([interpreter, "-s", "-c", query])
    try:
        paths = json.loads(shown.stdout) if not isinstance(shown, Exception) else []
    except ValueError:
        return ()
    return tuple(str(path) for path in paths if isinstance(path, str) and path)


@dataclass(frozen=True)
class VenvOnDisk:
    view: tuple[str, ...]  # the venv and the Python installation it was made from
    missing: str | None  # why its tests cannot run, if they cannot


@functools.cache
def venv_on_disk(interpreter: str) -> VenvOnDisk:
    """A workspace's virtualenv, read from its files without running anything of it: the
    folders a run needs, and whether pytest is installed. Its base installation (pyvenv.cfg's
    `home`, or where `bin/python` leads) is shown to runs only if it holds a standard library,
    so a hostile pyvenv.cfg or symlink cannot open other folders to the sandbox."""
    venv = Path(interpreter).parent.parent
    if not inside_workspace(venv, venv.parent):
        # A link out of the workspace: bubblewrap would show where it leads, whatever that is.
        return VenvOnDisk((), f"not executed: {venv} is a link out of the workspace")
    config = venv / "pyvenv.cfg"
    text = read_workspace_text(config)
    if text is None:
        return VenvOnDisk((), f"not executed: {interpreter} is not in a virtualenv (no {config})")
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
