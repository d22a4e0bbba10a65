"""Two processes (say two `counterpoint check` runs) refreshing the same snapshot at once."""

from __future__ import annotations

import subprocess
import sys
import textwrap


def test_concurrent_refreshes_of_one_snapshot_do_not_collide(tmp_path):
    workspace = tmp_path / "ws"
    workspace.mkdir()
    (workspace / "pyproject.toml").write_text("[project]\nname = 'ws'\n")
    for index in range(300):
        (workspace / f"m{index}.py").write_text(f"X = {index}\n" * 200)
    store = tmp_path / "store"
    script = textwrap.dedent(
        f"""
        from pathlib import Path
        from counterpoint.sandbox.snapshot import WorkspaceSnapshot
        for _ in range(3):
            snapshot = WorkspaceSnapshot(Path({str(workspace)!r}), Path({str(store)!r}))
            (snapshot.base / "m0.py").unlink(missing_ok=True)  # force copies each round
            snapshot.refresh()
        """
    )
    runs = [
        subprocess.Popen([sys.executable, "-c", script], stderr=subprocess.PIPE) for _ in range(4)
    ]
    errors = [run.communicate(timeout=120)[1].decode() for run in runs]
    assert [run.returncode for run in runs] == [0] * 4, errors
    base = next((tmp_path / "store").glob("*/base"))
    assert sorted(p.name for p in base.iterdir()) == sorted(p.name for p in workspace.iterdir())
    assert not list((tmp_path / "store").rglob("*tmp"))
