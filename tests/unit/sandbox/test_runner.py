import asyncio
import contextlib
import os
import sys
import time

from counterpoint.sandbox.runner import Isolation, Limits, run_sandboxed, scrubbed_env


async def test_timeout_kills_the_whole_process_group(tmp_path):
    marker = tmp_path / "child.pid"
    script = (
        "import os, subprocess, sys, time\n"
        "child = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(60)'])\n"
        f"open({str(marker)!r}, 'w').write(str(child.pid))\n"
        "time.sleep(60)\n"
    )
    result = await run_sandboxed(
        [sys.executable, "-c", script], tmp_path, scrubbed_env({}, tmp_path), 2, Isolation(False)
    )
    assert result.timed_out and result.returncode is None
    child = int(marker.read_text())
    for _ in range(50):
        try:
            os.kill(child, 0)
        except ProcessLookupError:
            break
        time.sleep(0.05)
    else:
        raise AssertionError("the grandchild survived the timeout")


async def test_cancel_kills_the_process(tmp_path):
    task = asyncio.ensure_future(
        run_sandboxed(
            [sys.executable, "-c", "import time; time.sleep(60)"],
            tmp_path,
            scrubbed_env({}, tmp_path),
            60,
            Isolation(False),
        )
    )
    await asyncio.sleep(0.5)
    task.cancel()
    started = time.monotonic()
    with contextlib.suppress(asyncio.CancelledError):
        await task
    assert time.monotonic() - started < 5


async def test_environment_is_scrubbed_and_limits_apply(tmp_path, monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", "sk-secret-value")
    env = scrubbed_env({"EXTRA": "1"}, tmp_path)
    script = (
        "import os, resource\n"
        "print(sorted(os.environ))\n"
        "print(resource.getrlimit(resource.RLIMIT_FSIZE)[0])\n"
    )
    limits = Limits(file_bytes=1234567)
    result = await run_sandboxed(
        [sys.executable, "-c", script], tmp_path, env, 30, Isolation(False, limits)
    )
    assert "OPENAI_API_KEY" not in result.output and "sk-secret-value" not in result.output
    assert "'HOME'" in result.output and "'EXTRA'" in result.output
    assert "1234567" in result.output
    assert env["HOME"].startswith(str(tmp_path))
