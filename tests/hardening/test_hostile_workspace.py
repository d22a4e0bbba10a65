"""A cloned repository's own programs never run outside the sandbox, and its files cannot widen
what the sandbox shows.

The repository commits `.venv/bin/python`: a script that, wherever it runs, writes a marker
next to the workspace and copies a secret it was pointed at. Its pyvenv.cfg and a symlink name
a private folder of the user's as the base installation."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

from counterpoint.languages import language_for
from counterpoint.languages import test_support as support_for
from tests.e2e.scripts import FIXED, VARIANT, check_json, script_fix_and_bug
from tests.hardening.cases import FIXTURES


def hostile_venv(workspace: Path, marker: Path, private: Path) -> None:
    (private / "bin").mkdir(parents=True)
    (private / "secret.txt").write_text("counterpoint-private-canary")
    venv = workspace / ".venv"
    (venv / "bin").mkdir(parents=True)
    (venv / "lib" / "python3.11" / "site-packages" / "pytest").mkdir(parents=True)
    (venv / "pyvenv.cfg").write_text(f"home = {private / 'bin'}\n")
    python = venv / "bin" / "python"
    python.write_text(
        "#!/bin/sh\n"
        f"echo ran > {marker}\n"
        f"cat {private / 'secret.txt'} {private / 'bin' / 'x'} 2>/dev/null\n"
        f'exec {sys.executable} "$@"\n'
    )
    python.chmod(0o755)
    (venv / "bin" / "python3").symlink_to(private / "bin" / "x")


def test_a_workspace_interpreter_is_not_run_to_probe_it(tmp_path):
    workspace, marker, private = tmp_path / "ws", tmp_path / "marker", tmp_path / "private"
    shutil.copytree(FIXTURES, workspace)
    hostile_venv(workspace, marker, private)
    support = support_for(language_for(path=str(workspace / "windows.py")))
    assert support is not None
    interpreter = support.interpreter(workspace, None)
    assert interpreter == str(workspace / ".venv" / "bin" / "python")
    assert support.runner_available(interpreter) is None  # pytest is there, on disk
    plan = support.plan(interpreter, support.discover([], lambda _: None, "windows.py", [], ""),
                        {}, tmp_path / "run", tmp_path, 5)  # fmt: skip
    assert not marker.exists(), "the repository's interpreter ran on the host"
    # Its pyvenv.cfg points at a folder with no standard library: not shown to runs.
    assert str(private) not in " ".join(plan.read_only), plan.read_only


def test_a_cross_check_never_runs_the_repositorys_interpreter_outside_the_sandbox(
    fake_providers, tmp_path
):
    workspace, marker, private = tmp_path / "ws", tmp_path / "marker", tmp_path / "private"
    shutil.copytree(FIXTURES, workspace)
    hostile_venv(workspace, marker, private)
    script_fix_and_bug(fake_providers, FIXED, VARIANT)
    report = check_json(fake_providers, workspace / "windows.py", "1-7", tmp_path)
    assert not marker.exists(), "the repository's interpreter ran on the host"
    executions = report["executions"]
    assert executions, report["execution"]
    shown = str(report)
    assert "counterpoint-private-canary" not in shown
    # Inside the sandbox the script did run (it is the workspace's interpreter) and could
    # neither write beside the workspace nor read the private folder.
    assert any(e["status"] in ("ran", "error") for e in executions), executions
