"""Run one command as untrusted code: own process group, resource limits, scrubbed environment,
no network where the OS allows it, killed whole on timeout or cancel."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

OUTPUT_TAIL_BYTES = 64 * 1024
# Variables a test process may inherit. Everything else (keys, tokens, cloud credentials) stays out.
PASSED_THROUGH = ("PATH", "LANG", "LC_ALL", "LC_CTYPE", "TZ", "TERM", "SYSTEMROOT")

# Sets the limits, then becomes the command. Runs under the server's own interpreter.
_TRAMPOLINE = """
import json, os, resource, sys
limits = json.loads(sys.argv[1])
for name, value in limits.items():
    resource.setrlimit(getattr(resource, name), (value, value))
os.execvp(sys.argv[3], sys.argv[3:])
"""


@dataclass(frozen=True)
class Limits:
    cpu_seconds: int = 300
    memory_bytes: int = 4 * 1024**3
    file_bytes: int = 256 * 1024**2
    processes: int = 512

    def rlimits(self) -> dict[str, int]:
        return {
            "RLIMIT_CPU": self.cpu_seconds,
            "RLIMIT_AS": self.memory_bytes,
            "RLIMIT_FSIZE": self.file_bytes,
            "RLIMIT_NPROC": self.processes,
            "RLIMIT_CORE": 0,
        }


# Strongest first: no network, own PID namespace (the server's /proc is out of sight and killing
# the namespace's first process kills everything in it), then no network alone.
NAMESPACE_PREFIXES = (("unshare", "-rnpf", "--mount-proc"), ("unshare", "-rn"))


@dataclass(frozen=True)
class Isolation:
    network: bool  # True when the run has no network (its own empty network namespace)
    limits: Limits = field(default_factory=Limits)
    prefix: tuple[str, ...] = ()  # the namespace wrapper, empty when none is available

    def describe(self) -> dict[str, Any]:
        limits = self.limits
        notes = []
        if not self.network:
            notes.append(
                "network not isolated: unprivileged namespaces are unavailable, so tests can also "
                "read other processes' environments under /proc (outputs are redacted)"
            )
        elif "-rnpf" not in self.prefix:
            notes.append("no PID namespace: tests can see other processes")
        if os.geteuid() == 0:
            notes.append("running as root: the process-count limit is not enforced by the kernel")
        return {
            "network": "none (own network namespace)" if self.network else "host network",
            "namespaces": " ".join(self.prefix) or "none",
            "filesystem": "copy of the workspace; the user's files are never written",
            "environment": "scrubbed: only " + ", ".join(PASSED_THROUGH) + " pass through",
            "limits": {
                "cpu_seconds": limits.cpu_seconds,
                "memory_bytes": limits.memory_bytes,
                "file_bytes": limits.file_bytes,
                "processes": limits.processes,
            },
            "notes": notes,
        }


@functools.cache
def namespace_prefix() -> tuple[str, ...]:
    """The strongest namespace wrapper this machine allows, or () for none."""
    for prefix in NAMESPACE_PREFIXES:
        try:
            probe = subprocess.run([*prefix, "true"], capture_output=True, timeout=10)
        except (OSError, subprocess.SubprocessError):
            continue
        if probe.returncode == 0:
            return prefix
    return ()


def detect_isolation(limits: Limits | None = None) -> Isolation:
    prefix = namespace_prefix()
    return Isolation(network=bool(prefix), limits=limits or Limits(), prefix=prefix)


def scrubbed_env(extra: Mapping[str, str], sandbox: Path) -> dict[str, str]:
    env = {name: os.environ[name] for name in PASSED_THROUGH if name in os.environ}
    home, tmp = sandbox / "home", sandbox / "tmp"
    home.mkdir(parents=True, exist_ok=True)
    tmp.mkdir(parents=True, exist_ok=True)
    env.update({"HOME": str(home), "TMPDIR": str(tmp), "PYTHONDONTWRITEBYTECODE": "1"})
    env.update(extra)
    return env


@dataclass(frozen=True)
class ProcessResult:
    returncode: int | None
    output: str  # the tail of stdout and stderr together
    timed_out: bool
    duration_s: float


async def run_sandboxed(
    argv: Sequence[str],
    cwd: Path,
    env: Mapping[str, str],
    timeout_s: float,
    isolation: Isolation,
) -> ProcessResult:
    command = [
        sys.executable,
        "-I",
        "-c",
        _TRAMPOLINE,
        json.dumps(isolation.limits.rlimits()),
        "--",
        *argv,
    ]
    if isolation.prefix:
        command = [*isolation.prefix, "--", *command]
    started = time.monotonic()
    process = await asyncio.create_subprocess_exec(
        *command,
        cwd=cwd,
        env=dict(env),
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
        start_new_session=True,  # its own process group, so one kill takes every child
    )
    tail = bytearray()

    async def drain() -> None:
        assert process.stdout is not None
        while chunk := await process.stdout.read(65536):
            tail.extend(chunk)
            del tail[:-OUTPUT_TAIL_BYTES]

    timed_out = False
    draining = asyncio.ensure_future(drain())
    try:
        await asyncio.wait_for(process.wait(), timeout_s)
    except asyncio.TimeoutError:
        timed_out = True
    finally:
        _kill_group(process.pid)  # also on cancel: nothing outlives the run
        try:
            # Killed, the process closes its pipe, so the drain ends by itself.
            await asyncio.wait_for(asyncio.gather(process.wait(), draining), 5)
        except BaseException:
            draining.cancel()
            if not isinstance(sys.exc_info()[1], asyncio.CancelledError | asyncio.TimeoutError):
                raise
    return ProcessResult(
        returncode=None if timed_out else process.returncode,
        output=tail.decode("utf-8", "replace"),
        timed_out=timed_out,
        duration_s=time.monotonic() - started,
    )


def _kill_group(pid: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, signal.SIGKILL)
