"""More attacks on the sandbox, through what a cloned repository commits: links that widen the
allow-listed view, files that make the server run the repository's programs on the host, and
links to devices the server reads without bounds.

Each case is bounded in time, bytes and processes; what must not be reached is a canary in a
temp folder next to the workspace.
"""

from __future__ import annotations

import json
import os
import resource
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from counterpoint.sandbox.runner import (
    Limits,
    RunArea,
    detect_isolation,
    run_sandboxed,
    scrubbed_env,
    toolchain_roots,
)
from tests.e2e.scripts import ACCEPT, FIXED, VARIANT, script_fix_and_bug
from tests.fakes.providers import FakeProviders, Reply
from tests.hardening.cases import FIXTURES

E2E = Path(__file__).resolve().parents[1] / "e2e" / "fixtures"
CANARY = "counterpoint-private-canary-7f3a"


def private_folder(tmp_path: Path) -> Path:
    """A folder of the user's, outside the workspace, holding a secret."""
    private = tmp_path / "private"
    private.mkdir()
    (private / "secret.txt").write_text(CANARY)
    return private


def check(
    fake: FakeProviders, target: Path, lines: str, tmp_path: Path, cwd: Path | None = None
) -> subprocess.CompletedProcess:
    """`counterpoint check --json` as a subprocess, in `cwd` (the VS Code client starts the
    server in the workspace folder), with its address space bounded."""
    clean = {k: v for k, v in os.environ.items() if not k.endswith(("_API_KEY", "_BASE_URL"))}

    def bounded() -> None:  # the soft limit only: the launcher raises its own to the run's
        resource.setrlimit(resource.RLIMIT_AS, (3 * 1024**3, resource.RLIM_INFINITY))

    return subprocess.run(
        [
            sys.executable,
            "-m",
            "counterpoint",
            "check",
            str(target),
            "--lines",
            lines,
            "--json",
            "--instruction",
            "fix",
        ],
        env={**clean, "COUNTERPOINT_CACHE_DIR": str(tmp_path / "cache"), **fake.env()},
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
        preexec_fn=bounded,
    )


def sandboxed(report: dict) -> bool:
    """The sandbox was there (so a case that ran nothing proves nothing)."""
    isolation = report["execution"]["isolation"]
    assert isolation["sandbox"].startswith("bubblewrap"), isolation
    return True


# -- links that widen the view ---------------------------------------------------------------


def test_a_node_modules_linked_out_of_the_workspace_does_not_show_that_folder(
    fake_providers, tmp_path
):
    """`node_modules -> ~/private`: the run's view binds node_modules, and bwrap follows the
    link, so the run read the private folder."""
    private = private_folder(tmp_path)
    workspace = tmp_path / "ws"
    shutil.copytree(E2E / "js_project", workspace)
    (workspace / "node_modules").symlink_to(private)
    leak = f"""import test from 'node:test';
import assert from 'node:assert/strict';
import {{ readFileSync }} from 'node:fs';
test('claude: reads the linked folder', () => {{
  let seen;
  try {{ seen = readFileSync('{workspace}/node_modules/secret.txt', 'utf8'); }}
  catch (error) {{ seen = 'refused ' + error.code; }}
  assert.equal(seen, 'nothing');
}});
"""
    source = (workspace / "windows.js").read_text().split("\n\nexport function untouched")[0]
    fixed = source.replace("i < xs.length - k", "i <= xs.length - k") + "\n"
    for provider in ("anthropic", "openai"):
        fake_providers.default(
            provider,
            "submit_proposal",
            Reply.structured({"code": fixed, "explanation": "", "tests": [leak]}),
        )
        fake_providers.default(provider, "submit_judgment", Reply.structured(ACCEPT))
    result = check(fake_providers, workspace / "windows.js", "1-8", tmp_path)
    assert result.returncode == 0, result.stderr[-3000:]
    report = json.loads(result.stdout)
    assert sandboxed(report)
    assert CANARY not in result.stdout, "the run read a folder node_modules links to"


def fake_venv(venv: Path, script: str) -> Path:
    """A virtualenv as the server reads it from disk (pyvenv.cfg, pytest in site-packages), whose
    bin/python is the repository's script."""
    (venv / "bin").mkdir(parents=True, exist_ok=True)
    (venv / "lib" / "python3.11" / "site-packages" / "pytest").mkdir(parents=True, exist_ok=True)
    python = venv / "bin" / "python"
    python.write_text(script)
    python.chmod(0o755)
    return python


def assert_not_read(fake_providers, workspace: Path, tmp_path: Path) -> None:
    script_fix_and_bug(fake_providers, FIXED, VARIANT)
    result = check(fake_providers, workspace / "windows.py", "1-7", tmp_path)
    assert result.returncode == 0, result.stderr[-3000:]
    report = json.loads(result.stdout)
    assert sandboxed(report)
    assert CANARY not in result.stdout, "the workspace's interpreter read the private folder"


def test_a_pyvenv_home_that_walks_through_links_does_not_show_a_private_folder(
    fake_providers, tmp_path
):
    """`home = /tmp/../<ws>/A/../B`: the standard-library check walks it physically (A leads to
    a folder whose parent holds a fake `B/lib/python3.11/os.py`); the bind takes it lexically,
    `<ws>/B`, a link to the private folder."""
    private = private_folder(tmp_path)
    workspace = tmp_path / "ws"
    shutil.copytree(FIXTURES, workspace)
    (workspace / "d1" / "d2").mkdir(parents=True)
    (workspace / "d1" / "B" / "lib" / "python3.11").mkdir(parents=True)
    (workspace / "d1" / "B" / "lib" / "python3.11" / "os.py").write_text("")
    (workspace / "A").symlink_to(workspace / "d1" / "d2")
    (workspace / "B").symlink_to(private)
    venv = workspace / ".venv"
    fake_venv(venv, f"#!/bin/sh\necho LEAK $(cat {workspace / 'B' / 'secret.txt'})\n")
    (venv / "pyvenv.cfg").write_text(f"home = /tmp/..{workspace}/A/../B\n")
    assert_not_read(fake_providers, workspace, tmp_path)


def test_a_venv_folder_linked_out_of_the_workspace_is_not_shown(fake_providers, tmp_path):
    """`.venv -> <a folder elsewhere that looks like a venv>`: binding `.venv` follows the link,
    so the run saw whatever that folder holds."""
    private = private_folder(tmp_path)
    workspace = tmp_path / "ws"
    shutil.copytree(FIXTURES, workspace)
    fake_venv(private, f"#!/bin/sh\necho LEAK $(cat {workspace / '.venv' / 'secret.txt'})\n")
    (private / "pyvenv.cfg").write_text("home = /nowhere\n")
    (workspace / ".venv").symlink_to(private)
    assert_not_read(fake_providers, workspace, tmp_path)


# -- the repository's programs run on the host ------------------------------------------------


def test_probing_for_pytest_imports_nothing_from_the_servers_working_directory(
    fake_providers, tmp_path
):
    """The server starts in the workspace folder; `python -c "import pytest"` puts the working
    directory first on sys.path, so the repository's `pytest.py` ran on the host."""
    workspace = tmp_path / "ws"
    shutil.copytree(FIXTURES, workspace)
    marker = tmp_path / "marker"
    (workspace / "pytest.py").write_text(f"open({str(marker)!r}, 'w').write('ran on the host')\n")
    script_fix_and_bug(fake_providers, FIXED, VARIANT)
    result = check(fake_providers, workspace / "windows.py", "1-7", tmp_path, cwd=workspace)
    assert result.returncode == 0, result.stderr[-3000:]
    assert sandboxed(json.loads(result.stdout))
    assert not marker.exists(), "the repository's pytest.py ran outside the sandbox"


@pytest.mark.skipif(shutil.which("rustc") is None, reason="rustc is not installed")
def test_a_rust_toolchain_file_names_no_program_for_the_server_to_run(fake_providers, tmp_path):
    """rustup's proxies read `rust-toolchain.toml` from the working directory up; its `path`
    names a toolchain folder, so `rustc --print sysroot` ran the repository's `bin/rustc`."""
    workspace = tmp_path / "ws"
    shutil.copytree(E2E / "rust_project", workspace)
    marker = tmp_path / "marker"
    evil = workspace / "toolchain"
    (evil / "bin").mkdir(parents=True)
    for tool in ("rustc", "cargo"):
        (evil / "bin" / tool).write_text(f"#!/bin/sh\necho ran > {marker}\n")
        (evil / "bin" / tool).chmod(0o755)
    (workspace / "rust-toolchain.toml").write_text(f'[toolchain]\npath = "{evil}"\n')
    script_fix_and_bug(fake_providers, "pub fn window_sums() {}\n", "pub fn window_sums() {}\n")
    result = check(fake_providers, workspace / "src" / "lib.rs", "1-3", tmp_path, cwd=workspace)
    assert result.returncode == 0, result.stderr[-3000:]
    assert sandboxed(json.loads(result.stdout))
    assert not marker.exists(), "the repository's rustc ran outside the sandbox"


# -- links to devices the server reads ---------------------------------------------------------


def test_an_ignore_file_linked_to_dev_zero_does_not_exhaust_the_server(fake_providers, tmp_path):
    """`.counterpointignore -> /dev/zero`: read whole, on the event loop, before anything else."""
    workspace = tmp_path / "ws"
    shutil.copytree(FIXTURES, workspace)
    (workspace / ".counterpointignore").symlink_to("/dev/zero")
    script_fix_and_bug(fake_providers, FIXED, VARIANT)
    result = check(fake_providers, workspace / "windows.py", "1-7", tmp_path)
    assert "MemoryError" not in result.stderr, result.stderr[-2000:]
    assert result.returncode == 0, result.stderr[-3000:]
    assert sandboxed(json.loads(result.stdout))


def test_a_pyvenv_cfg_linked_to_dev_zero_does_not_exhaust_the_server(fake_providers, tmp_path):
    workspace = tmp_path / "ws"
    shutil.copytree(FIXTURES, workspace)
    fake_venv(workspace / ".venv", "#!/bin/sh\nexit 0\n")
    (workspace / ".venv" / "pyvenv.cfg").symlink_to("/dev/zero")
    script_fix_and_bug(fake_providers, FIXED, VARIANT)
    result = check(fake_providers, workspace / "windows.py", "1-7", tmp_path)
    assert "MemoryError" not in result.stderr, result.stderr[-2000:]
    assert result.returncode == 0, result.stderr[-3000:]
    assert sandboxed(json.loads(result.stdout))


# -- from inside a run: what the filter and the limits leave open -----------------------------

RUN_LIMITS = Limits(
    cpu_seconds=30,
    memory_bytes=1024**3,
    file_bytes=64 * 1024**2,
    processes=24,
    disk_bytes=48 * 1024**2,
    inodes=5000,
)


async def facts_of(probe: str, tmp_path: Path) -> dict:
    """Run `probe` (Python printing `FACTS <json>`) in the sandbox, through the runner itself."""
    isolation = detect_isolation(RUN_LIMITS)
    if not isolation.sandboxed:
        pytest.fail(isolation.unavailable or isolation.mode)
    area = RunArea(tmp_path / "runs")
    run = area.new_run()
    try:
        result = await run_sandboxed(
            run,
            [sys.executable, "-c", probe],
            scrubbed_env({}, run.layer),
            30,
            isolation,
            area=area,
            lower=[run.stage],
            read_only=toolchain_roots([sys.executable]),
        )
    finally:
        run.remove()
    lines = [line for line in result.output.splitlines() if line.startswith("FACTS ")]
    assert lines, result.output
    return json.loads(lines[-1].removeprefix("FACTS "))


IO_URING = r"""
import ctypes, errno, json
libc = ctypes.CDLL(None, use_errno=True)
params = (ctypes.c_uint32 * 30)()
fd = libc.syscall(425, 4, ctypes.byref(params))  # io_uring_setup(4, &params)
print("FACTS " + json.dumps({"io_uring_setup": "ok" if fd >= 0 else
                             errno.errorcode.get(ctypes.get_errno(), "?")}))
"""


async def test_a_run_cannot_set_up_io_uring(tmp_path):
    """io_uring is a large kernel attack surface (Docker's default profile refuses it since
    2023) that no test runner needs: libuv and others fall back to plain calls."""
    facts = await facts_of(IO_URING, tmp_path)
    assert facts["io_uring_setup"] in ("EPERM", "ENOSYS"), facts


MEMORY_OUTSIDE_THE_TMPFS = r"""
import ctypes, errno, json, os
libc = ctypes.CDLL(None, use_errno=True)
libc.shmat.restype = ctypes.c_void_p
MB = 1024 * 1024
facts = {"memfd_mb": 0, "shm_mb": 0}
fds = []
for index in range(4):  # 4 memfds of up to 40 MB each: RAM, on no tmpfs of the run
    fd = os.memfd_create(f"fill-{index}")
    fds.append(fd)
    try:
        for _ in range(40):
            os.write(fd, b"x" * MB)
            facts["memfd_mb"] += 1
    except OSError:
        break
for _ in range(3):  # SysV segments stay in the IPC namespace after shmdt: 3 of 40 MB
    segment = libc.shmget(0, 40 * MB, 0o1000 | 0o600)
    if segment < 0:
        break
    address = libc.shmat(segment, None, 0)
    if address in (None, ctypes.c_void_p(-1).value):
        break
    ctypes.memset(address, 1, 40 * MB)
    libc.shmdt(ctypes.c_void_p(address))
    facts["shm_mb"] += 40
print("FACTS " + json.dumps(facts))
"""


@pytest.mark.xfail(
    strict=True,
    reason="memfd and SysV shared memory are RAM outside the run's tmpfs, and no memory cgroup "
    "bounds the run as a whole: needs memory.max on the run's cgroup (root, cgroup v2) or "
    "refusing memfd_create and shmget in the filter",
)
async def test_memory_a_run_writes_outside_its_tmpfs_is_bounded_by_its_disk_limit(tmp_path):
    """The claim: `disk_bytes` (here 48 MB) "for everything the run writes". A memfd or a SysV
    segment holds written bytes in RAM too, on none of the run's mounts."""
    facts = await facts_of(MEMORY_OUTSIDE_THE_TMPFS, tmp_path)
    written = facts["memfd_mb"] + facts["shm_mb"]
    assert written * 1024**2 <= RUN_LIMITS.disk_bytes, facts
