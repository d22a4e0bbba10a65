import asyncio
import contextlib
import os
import sys
import time
from pathlib import Path

import pytest

from counterpoint.sandbox.runner import (
    Limits,
    ProcessResult,
    RunArea,
    _pids_cgroup_root,
    detect_isolation,
    read_untrusted,
    run_sandboxed,
    scrubbed_env,
    toolchain_roots,
)


async def run_in_sandbox(
    tmp_path: Path,
    script: str,
    timeout_s: float = 30,
    limits: Limits | None = None,
    env: dict[str, str] | None = None,
    unsafe: bool = False,
    results: tuple[str, ...] = (),
) -> ProcessResult:
    """`script` under the server's Python, in a fresh run of its own."""
    isolation = detect_isolation(limits, unsafe=unsafe)
    if isolation.mode == "unavailable":
        pytest.fail(isolation.unavailable)
    area = RunArea(tmp_path / "runs")
    run = area.new_run()
    try:
        return await run_sandboxed(
            run,
            [sys.executable, "-c", script],
            scrubbed_env(env or {}, run.layer),
            timeout_s,
            isolation,
            area=area,
            lower=[run.stage],
            read_only=toolchain_roots([sys.executable]),
            results=results,
        )
    finally:
        run.remove()


@pytest.mark.parametrize("unsafe", [False, True], ids=["sandboxed", "unsafe"])
async def test_timeout_kills_every_process_of_the_run(tmp_path, unsafe):
    marker = "counterpoint-timeout-marker-" + os.urandom(4).hex()
    script = (
        "import os, subprocess, sys, time\n"
        f"subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(60)', {marker!r}])\n"
        "time.sleep(60)\n"
    )
    result = await run_in_sandbox(tmp_path, script, timeout_s=2, unsafe=unsafe)
    assert result.timed_out and result.returncode is None
    for _ in range(50):
        if not _running(marker):
            break
        time.sleep(0.05)
    else:
        raise AssertionError("the grandchild survived the timeout")


async def test_cancel_kills_the_process(tmp_path):
    marker = "counterpoint-cancel-marker-" + os.urandom(4).hex()
    script = (
        "import subprocess, sys\n"
        f"subprocess.run([sys.executable, '-c', 'import time; time.sleep(60)', {marker!r}])"
    )
    task = asyncio.ensure_future(run_in_sandbox(tmp_path, script, timeout_s=60))
    for _ in range(100):
        if _running(marker):
            break
        await asyncio.sleep(0.05)
    else:
        raise AssertionError("the run never started")
    task.cancel()
    started = time.monotonic()
    with contextlib.suppress(asyncio.CancelledError):
        await task
    assert time.monotonic() - started < 5
    for _ in range(50):
        if not _running(marker):
            break
        time.sleep(0.05)
    else:
        raise AssertionError("the run's process survived the cancel")


async def test_environment_is_scrubbed_and_limits_apply(tmp_path, monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", "sk-secret-value")
    script = (
        "import os, resource\n"
        "print(sorted(os.environ))\n"
        "print(resource.getrlimit(resource.RLIMIT_FSIZE)[0])\n"
    )
    result = await run_in_sandbox(
        tmp_path, script, limits=Limits(file_bytes=1234567), env={"EXTRA": "1"}
    )
    assert "OPENAI_API_KEY" not in result.output and "sk-secret-value" not in result.output
    assert "'HOME'" in result.output and "'EXTRA'" in result.output
    assert "1234567" in result.output


async def test_results_are_read_back_and_files_written_outside_the_layer_are_not(tmp_path):
    script = (
        "import os\n"
        "open(os.path.join(os.environ['HOME'], '..', 'results.xml'), 'w').write('<ok/>')\n"
        "open('written.txt', 'w').write('in the tree')\n"
    )
    result = await run_in_sandbox(tmp_path, script, results=("results.xml", "missing.xml"))
    assert result.results == {"results.xml": b"<ok/>"}, result.output
    assert result.returncode == 0


def test_read_untrusted_refuses_links_fifos_and_oversized_files(tmp_path):
    regular = tmp_path / "regular"
    regular.write_bytes(b"12345")
    assert read_untrusted(regular, 5) == b"12345"
    assert read_untrusted(regular, 4) is None
    (tmp_path / "link").symlink_to(regular)
    assert read_untrusted(tmp_path / "link", 100) is None
    os.mkfifo(tmp_path / "fifo")
    started = time.monotonic()
    assert read_untrusted(tmp_path / "fifo", 100) is None
    assert time.monotonic() - started < 5  # opening a FIFO to read would block for ever
    (tmp_path / "zero").symlink_to("/dev/zero")
    assert read_untrusted(tmp_path / "zero", 100) is None


def test_a_crashed_servers_run_folder_is_swept_and_a_live_ones_is_not(tmp_path):
    root = tmp_path / "runs"
    alive = RunArea(root)
    alive.new_run()
    crashed = root / "12345-deadbeef"
    (crashed / "r1" / "layer").mkdir(parents=True)
    (crashed / "lock").write_text("")  # nobody holds it: its server is gone
    removed = RunArea(root).sweep()
    assert "12345-deadbeef" in removed and not crashed.exists()
    assert alive.mine.exists()


def _running(marker: str) -> bool:
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            with contextlib.suppress(OSError):
                if marker.encode() in Path(f"/proc/{entry}/cmdline").read_bytes():
                    return True
    return False


def test_only_the_cgroups_of_an_abandoned_run_area_are_swept(tmp_path):
    root = _pids_cgroup_root()
    if root is None:
        pytest.skip("no writable pids cgroup (not root)")
    crashed = tmp_path / "runs" / "4242-abcdef01"
    crashed.mkdir(parents=True)
    (crashed / "lock").write_text("")
    theirs = root / "counterpoint-4242-abcdef01-00000001"
    foreign = root / "counterpoint-4243-abcdef02-00000001"  # another server's, maybe elsewhere
    theirs.mkdir()
    foreign.mkdir()
    try:
        RunArea(tmp_path / "runs").sweep()
        assert not theirs.exists() and foreign.exists()
    finally:
        for cgroup in (theirs, foreign):
            with contextlib.suppress(OSError):
                cgroup.rmdir()


def test_a_sweep_never_removes_a_run_area_while_it_is_being_made(tmp_path, monkeypatch):
    """Another server sweeping at the worst moment: after the folder and its lock file exist,
    before the lock is taken."""
    from counterpoint.sandbox import runner

    root = tmp_path / "runs"
    flock = runner.fcntl.flock

    def sweep_first(fd: int, operation: int) -> None:
        if operation == runner.fcntl.LOCK_EX:
            RunArea(root).sweep()
        flock(fd, operation)

    monkeypatch.setattr(runner.fcntl, "flock", sweep_first)
    area = RunArea(root)
    assert area.new_run().stage.is_dir()
    assert area.mine.is_dir() and (area.mine / "lock").exists()


def test_a_server_under_a_lower_hard_limit_still_runs_tests_under_that_limit(tmp_path):
    """A limit above the server's own hard limit cannot be set: the lower one applies."""
    import subprocess

    script = (
        "import asyncio, resource, sys\n"
        "resource.setrlimit(resource.RLIMIT_CPU, (200, 200))\n"
        "from pathlib import Path\n"
        "from tests.unit.sandbox.test_runner import run_in_sandbox\n"
        "from counterpoint.sandbox.runner import Limits\n"
        "probe = 'import resource; print(\"CPU\", resource.getrlimit(resource.RLIMIT_CPU))'\n"
        "result = asyncio.run(run_in_sandbox(Path(sys.argv[1]), probe, "
        "limits=Limits(cpu_seconds=300)))\n"
        "print(result.output, result.setup_failed)\n"
    )
    shown = subprocess.run(
        [sys.executable, "-c", script, str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=Path(__file__).resolve().parents[3],
    )
    assert "CPU (200, 200)" in shown.stdout, shown.stdout + shown.stderr
