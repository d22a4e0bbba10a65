"""Run one command as untrusted code: own process group, resource limits, scrubbed environment,
no network where the OS allows it, killed whole on timeout or cancel.

Where a mount namespace is available, the command also runs in a read-only view of the whole
file system: only its own sandbox directory is writable, /tmp and /dev/shm are fresh and small,
and the server user's credential folders (~/.ssh, ~/.aws, …) are hidden under empty mounts.
Running as root, where the kernel does not enforce RLIMIT_NPROC, a pids cgroup caps the number
of processes instead."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import json
import os
import pwd
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

OUTPUT_TAIL_BYTES = 64 * 1024
# Variables a test process may inherit. Everything else (keys, tokens, cloud credentials) stays out.
PASSED_THROUGH = ("PATH", "LANG", "LC_ALL", "LC_CTYPE", "TZ", "TERM", "SYSTEMROOT")

# Credential files and folders under the server user's home that a test never sees.
HIDDEN_IN_HOME = (
    ".ssh", ".aws", ".azure", ".gnupg", ".kube", ".docker", ".config/gcloud", ".config/gh",
    ".netrc", ".pypirc", ".npmrc", ".git-credentials", ".config/counterpoint",
)  # fmt: skip
# Fresh, small, writable in place of the host's (so tests that insist on /tmp still run).
PRIVATE_TMP = ("/tmp", "/var/tmp", "/dev/shm")
JAIL_FAILED = 97  # the trampoline's exit code when it cannot set up the read-only view

# Sets up the read-only view (when asked) and the limits, then becomes the command. Runs under
# the server's own interpreter, inside the namespaces.
_TRAMPOLINE = """
import json, os, resource, sys
limits, jail = json.loads(sys.argv[1]), json.loads(sys.argv[2])
if jail:
    import ctypes
    libc = ctypes.CDLL(None, use_errno=True)
    class Attr(ctypes.Structure):
        _fields_ = [(n, ctypes.c_uint64) for n in ("set", "clear", "propagation", "userns")]
    def ok(result, what):
        if result != 0:
            error = ctypes.get_errno()
            sys.stderr.write(f"counterpoint sandbox: {what}: {os.strerror(error)}\\n")
            os._exit(97)  # JAIL_FAILED
    def attr(path, set_, clear, flags):  # mount_setattr(2), 442 on every architecture
        a = Attr(set_, clear, 0, 0)
        ok(libc.syscall(442, -100, path.encode(), flags, ctypes.byref(a), ctypes.sizeof(a)),
           "read-only " + path)
    def mount(source, target, fstype, flags, data):
        ok(libc.mount(source.encode(), target.encode(), fstype and fstype.encode(), flags,
                      data and data.encode()), "mount " + target)
    for path in jail["writable"]:
        mount(path, path, None, 4096 | 16384, None)  # MS_BIND | MS_REC
    attr("/", 1, 0, 0x8000)  # MOUNT_ATTR_RDONLY, AT_RECURSIVE
    for path in jail["writable"]:
        attr(path, 0, 1, 0x8000)
    for path in jail["tmpfs"]:
        mount("tmpfs", path, "tmpfs", 2 | 4, "size=64m,mode=1777")  # MS_NOSUID | MS_NODEV
    for path in jail["hidden"]:
        if os.path.isdir(path):
            mount("tmpfs", path, "tmpfs", 1 | 2 | 4, "size=4k,mode=0")  # read-only, empty
        elif os.path.exists(path):
            mount("/dev/null", path, None, 4096, None)
    os.chdir(os.getcwd())  # the old cwd still points into the read-only mount below
for name, value in limits.items():
    resource.setrlimit(getattr(resource, name), (value, value))
os.execvp(sys.argv[4], sys.argv[4:])
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
# the namespace's first process kills everything in it) and own mount namespace, then no network
# and own mounts, then no network alone.
NAMESPACE_PREFIXES = (
    ("unshare", "-rnpf", "--mount-proc"),
    ("unshare", "-rnm"),
    ("unshare", "-rn"),
)


@dataclass(frozen=True)
class Isolation:
    network: bool  # True when the run has no network (its own empty network namespace)
    limits: Limits = field(default_factory=Limits)
    prefix: tuple[str, ...] = ()  # the namespace wrapper, empty when none is available
    read_only: bool = False  # the file system is read-only outside the run's own directory
    pids_cgroup: Path | None = None  # where per-run pids cgroups go (root only)

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
        if not self.read_only:
            notes.append(
                "file system not isolated: tests can write wherever the server's user can "
                "(a mount namespace with mount_setattr, Linux ≥ 5.12, is needed)"
            )
        if os.geteuid() == 0 and self.pids_cgroup is None:
            notes.append("running as root: the process-count limit is not enforced by the kernel")
        return {
            "network": "none (own network namespace)" if self.network else "host network",
            "namespaces": " ".join(self.prefix) or "none",
            "filesystem": (
                "read-only except the run's own copy of the workspace; /tmp is private; "
                "credential folders (~/.ssh, ~/.aws, …) are hidden"
                if self.read_only
                else "copy of the workspace; the user's files are never written"
            ),
            "processes": (
                f"at most {limits.processes} (pids cgroup)"
                if self.pids_cgroup is not None
                else f"at most {limits.processes} (RLIMIT_NPROC)"
                if os.geteuid() != 0
                else "not limited"
            ),
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
    return Isolation(
        network=bool(prefix),
        limits=limits or Limits(),
        prefix=prefix,
        read_only=_read_only_view_works(prefix),
        pids_cgroup=_pids_cgroup_root(),
    )


def jail_spec(writable: Sequence[Path]) -> dict[str, list[str]]:
    """What the trampoline mounts: `writable` stays writable, the rest of / becomes read-only,
    /tmp-like folders are fresh (unless a writable path is inside one) and credentials hidden."""
    resolved = sorted({os.path.realpath(path) for path in writable})
    # Only the outermost of nested paths: one bind mount each, nothing mounted over another.
    paths = [
        path
        for path in resolved
        if not any(path.startswith(other.rstrip("/") + "/") for other in resolved)
    ]
    tmpfs = [
        tmp
        for tmp in PRIVATE_TMP
        if os.path.isdir(tmp)
        and not any(path == tmp or path.startswith(tmp.rstrip("/") + "/") for path in paths)
    ]
    homes = {os.path.expanduser("~")}
    with contextlib.suppress(KeyError):
        homes.add(pwd.getpwuid(os.geteuid()).pw_dir)
    hidden = sorted(
        os.path.join(home, rel)
        for home in homes
        for rel in HIDDEN_IN_HOME
        if os.path.lexists(os.path.join(home, rel))
        and not any(path.startswith(os.path.realpath(os.path.join(home, rel))) for path in paths)
    )
    return {"writable": paths, "tmpfs": tmpfs, "hidden": hidden}


@functools.cache
def _read_only_view_works(prefix: tuple[str, ...]) -> bool:
    if "-rnpf" not in prefix and "-rnm" not in prefix:
        return False
    with tempfile.TemporaryDirectory(prefix="counterpoint-probe-") as probe:
        command = _command(["true"], Limits(), jail_spec([Path(probe)]), prefix)
        try:
            return subprocess.run(command, capture_output=True, timeout=10).returncode == 0
        except (OSError, subprocess.SubprocessError):
            return False


@functools.cache
def _pids_cgroup_root() -> Path | None:
    """A writable pids cgroup hierarchy (v1 or v2), when running as root; else None."""
    if os.geteuid() != 0:
        return None
    for root in (Path("/sys/fs/cgroup/pids"), Path("/sys/fs/cgroup")):
        probe = root / f"counterpoint-probe-{os.getpid()}"
        try:
            probe.mkdir()
        except OSError:
            continue
        try:
            if (probe / "pids.max").exists() and (probe / "cgroup.procs").exists():
                return root
        finally:
            with contextlib.suppress(OSError):
                probe.rmdir()
    return None


def _command(
    argv: Sequence[str], limits: Limits, jail: dict[str, list[str]] | None, prefix: Sequence[str]
) -> list[str]:
    command = [
        sys.executable,
        "-I",
        "-c",
        _TRAMPOLINE,
        json.dumps(limits.rlimits()),
        json.dumps(jail or {}),
        "--",
        *argv,
    ]
    return [*prefix, "--", *command] if prefix else command


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
    output_bytes: int = 0  # everything it printed; more than OUTPUT_TAIL_BYTES means truncated
    process_limit_hit: bool = False  # the pids cgroup refused a fork

    @property
    def truncated(self) -> bool:
        return self.output_bytes > OUTPUT_TAIL_BYTES

    def stopped(self) -> list[str]:
        """What the sandbox stopped, in words, for the report."""
        found = []
        if self.timed_out:
            found.append("killed: time limit")
        if self.process_limit_hit:
            found.append("process limit reached (forks refused)")
        if self.truncated:
            found.append(f"output truncated at {OUTPUT_TAIL_BYTES} bytes (of {self.output_bytes})")
        if self.returncode is not None and self.returncode < 0:
            with contextlib.suppress(ValueError):
                found.append(f"killed by {signal.Signals(-self.returncode).name}")
        return found


async def run_sandboxed(
    argv: Sequence[str],
    cwd: Path,
    env: Mapping[str, str],
    timeout_s: float,
    isolation: Isolation,
    writable: Sequence[Path] = (),
) -> ProcessResult:
    """`writable`: what the command may write when the file system is read-only (its cwd at
    least)."""
    jail = jail_spec([cwd, *writable]) if isolation.read_only else None
    command = _command(argv, isolation.limits, jail, isolation.prefix)
    cgroup = _make_cgroup(isolation)
    if cgroup is not None:
        # A shell joins the cgroup first, so every process of the run is counted.
        command = [
            "sh",
            "-c",
            'echo $$ > "$0" && exec "$@"',
            str(cgroup / "cgroup.procs"),
            *command,
        ]
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
    total = 0

    async def drain() -> None:
        nonlocal total
        assert process.stdout is not None
        while chunk := await process.stdout.read(65536):
            total += len(chunk)
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
        if cgroup is not None:
            _kill_cgroup(cgroup)  # those that left the process group too
        try:
            # Killed, the process closes its pipe, so the drain ends by itself.
            await asyncio.wait_for(asyncio.gather(process.wait(), draining), 5)
        except BaseException:
            draining.cancel()
            if not isinstance(sys.exc_info()[1], asyncio.CancelledError | asyncio.TimeoutError):
                raise
        finally:
            forks_refused = cgroup is not None and _remove_cgroup(cgroup)
    return ProcessResult(
        returncode=None if timed_out else process.returncode,
        output=tail.decode("utf-8", "replace"),
        timed_out=timed_out,
        duration_s=time.monotonic() - started,
        output_bytes=total,
        process_limit_hit=forks_refused,
    )


def _kill_group(pid: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, signal.SIGKILL)


def _make_cgroup(isolation: Isolation) -> Path | None:
    if isolation.pids_cgroup is None:
        return None
    cgroup = isolation.pids_cgroup / f"counterpoint-{os.getpid()}-{uuid.uuid4().hex[:8]}"
    try:
        cgroup.mkdir()
        (cgroup / "pids.max").write_text(str(isolation.limits.processes))
    except OSError:
        with contextlib.suppress(OSError):
            cgroup.rmdir()
        return None
    return cgroup


def _kill_cgroup(cgroup: Path) -> None:
    for _ in range(3):
        try:
            pids = [int(pid) for pid in (cgroup / "cgroup.procs").read_text().split()]
        except (OSError, ValueError):
            return
        if not pids:
            return
        for pid in pids:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.kill(pid, signal.SIGKILL)


def _remove_cgroup(cgroup: Path) -> bool:
    """Remove the run's cgroup once it is empty; True if it ever refused a fork."""
    refused = False
    with contextlib.suppress(OSError, ValueError):
        events = (cgroup / "pids.events").read_text().split()
        refused = int(events[events.index("max") + 1]) > 0
    for _ in range(100):
        try:
            cgroup.rmdir()
            break
        except FileNotFoundError:
            break
        except OSError:
            _kill_cgroup(cgroup)
            time.sleep(0.02)
    return refused
