"""The sandbox as an ordinary user, not root: the launcher's mount namespace then lives in a
user namespace of its own, and the overlay uses `userxattr`. Run as `nobody` with Debian's
Python and a copy of the sandbox package (the test's own venv may live where nobody can read)."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import pyseccomp
import pytest

import counterpoint


@pytest.fixture
def ordinary_folder():
    """A folder `nobody` can reach (pytest's own temp folders are private to root)."""
    top = Path(tempfile.mkdtemp(prefix="counterpoint-nobody-"))
    top.chmod(0o755)
    yield top
    shutil.rmtree(top, ignore_errors=True)


SCRIPT = r"""
import asyncio, sys
from pathlib import Path
sys.path.insert(0, sys.argv[1])
from counterpoint.sandbox.runner import RunArea, detect_isolation, run_sandboxed, scrubbed_env

async def main(top):
    isolation = detect_isolation()
    print("MODE", isolation.mode, isolation.layer, isolation.unavailable)
    area = RunArea(top / "store" / "runs")
    run = area.new_run()
    (run.stage / "staged.txt").write_text("staged\n")
    script = (
        "cat base.txt staged.txt; echo changed > base.txt; id -u; echo done > ../results.xml; "
        "grep CapEff /proc/self/status; touch /usr/x 2>/dev/null || echo read-only"
    )
    result = await run_sandboxed(
        run, ["sh", "-c", script], scrubbed_env({}, run.layer), 30, isolation, area=area,
        lower=[run.stage, top / "base"], results=["results.xml"],
    )
    print(result.output)
    print("RESULTS", result.results)

asyncio.run(main(Path(sys.argv[1])))
"""


@pytest.mark.skipif(os.geteuid() != 0, reason="needs root to become another user")
def test_the_sandbox_holds_for_an_ordinary_user(ordinary_folder):
    python, runuser = Path("/usr/bin/python3"), shutil.which("runuser")
    if not python.exists() or runuser is None:
        pytest.skip("needs Debian's /usr/bin/python3 and runuser")
    top = ordinary_folder
    shutil.copytree(Path(counterpoint.__file__).parent, top / "counterpoint")
    shutil.copy(pyseccomp.__file__, top / "pyseccomp.py")
    (top / "base").mkdir()
    (top / "base" / "base.txt").write_text("base\n")
    (top / "script.py").write_text(SCRIPT)
    subprocess.run(["chmod", "-R", "a+rwX", str(top)], check=True)
    shown = subprocess.run(
        [runuser, "-u", "nobody", "--", "env", f"HOME={top}", str(python), str(top / "script.py"),
         str(top)],
        capture_output=True, text=True, timeout=120, cwd=top,
    )  # fmt: skip
    out = shown.stdout + shown.stderr
    assert "MODE bubblewrap overlay None" in out, out
    assert "base\nstaged\n" in out and "65534" in out and "read-only" in out, out
    assert "CapEff:\t0000000000000000" in out, out
    assert "RESULTS {'results.xml': b'done\\n'}" in out, out
    assert (top / "base" / "base.txt").read_text() == "base\n"  # the base is not written
