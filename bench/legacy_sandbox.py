"""The pre-bubblewrap runner (commit d97e62b), kept only to measure the sandbox against.

Not used by Counterpoint and not a sandbox to rely on: `python -m bench sandbox` times it beside
today's runner so the added cost per run is measured, on the same machine in the same run,
against what runs cost before. Taken from d97e62b's `sandbox/runner.py` and `snapshot.py`,
trimmed to what that measurement needs: each run gets a hardlink farm of the snapshot
(`materialise`), then the command runs through a Python trampoline inside
`unshare -rnpf --mount-proc` (the strongest wrapper the machine allows) that makes the file
system read-only except the run's folder, gives it a fresh /tmp, hides credential folders, sets
the resource limits and execs the command; as root, a pids cgroup counts its processes.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import json
import os
import pwd
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

PASSED_THROUGH = ("PATH", "LANG", "LC_ALL", "LC_CTYPE", "TZ", "TERM", "SYSTEMROOT")
HIDDEN_IN_HOME = (
    ".ssh", ".aws", ".azure", ".gnupg", ".kube", ".docker", ".config/gcloud", ".config/gh",
    ".netrc", ".pypirc", ".npmrc", ".git-credentials", ".config/counterpoint",
)  # fmt: skip
PRIVATE_TMP = ("/tmp", "/var/tmp", "/dev/shm")
RLIMITS = {
    "RLIMIT_CPU": 300,
    "RLIMIT_AS": 4 * 1024**3,
    "RLIMIT_FSIZE": 256 * 1024**2,
    "RLIMIT_NPROC": 512,
    "RLIMIT_CORE": 0,
}
PROCESSES = RLIMITS["RLIMIT_NPROC"]

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
            os._exit(97)
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

NAMESPACE_PREFIXES = (
    ("unshare", "-rnpf", "--mount-proc"),
    ("unshare", "-rnm"),
    ("unshare", "-rn"),
)


@dataclass(frozen=True)
class LegacyIsolation:
    prefix: tuple[str, ...]  # the namespace wrapper, empty when none is available
    read_only: bool  # the trampoline's read-only view works here
    pids_cgroup: Path | None  # where per-run pids cgroups go (root only)

    def describe(self) -> str:
        view = "read-only view" if self.read_only else "no read-only view"
        cgroup = ", pids cgroup" if self.pids_cgroup is not None else ""
        return f"{' '.join(self.prefix) or 'no namespaces'}, {view}{cgroup}"


@dataclass(frozen=True)
class LegacyResult:
    returncode: int | None
    output: str
    timed_out: bool


@functools.cache
def detect_isolation() -> LegacyIsolation:
    prefix: tuple[str, ...] = ()
    for candidate in NAMESPACE_PREFIXES:
        try:
            probe = subprocess.run([*candidate, "true"], capture_output=True, timeout=10)
        except (OSError, subprocess.SubprocessError):
            continue
        if probe.returncode == 0:
            prefix = candidate
            break
    return LegacyIsolation(prefix, _read_only_view_works(prefix), _pids_cgroup_root())


def _read_only_view_works(prefix: tuple[str, ...]) -> bool:
    if "-rnpf" not in prefix and "-rnm" not in prefix:
        return False
    with tempfile.TemporaryDirectory(prefix="counterpoint-legacy-probe-") as probe:
        command = _command(["true"], jail_spec([Path(probe)]), prefix)
        try:
            return subprocess.run(command, capture_output=True, timeout=10).returncode == 0
        except (OSError, subprocess.SubprocessError):
            return False


def _pids_cgroup_root() -> Path | None:
    if os.geteuid() != 0:
        return None
    for root in (Path("/sys/fs/cgroup/pids"), Path("/sys/fs/cgroup")):
        probe = root / f"counterpoint-legacy-probe-{os.getpid()}"
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


def jail_spec(writable: Sequence[Path]) -> dict[str, list[str]]:
    resolved = sorted({os.path.realpath(path) for path in writable})
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


def _command(
    argv: Sequence[str], jail: dict[str, list[str]] | None, prefix: Sequence[str]
) -> list[str]:
    command = [
        sys.executable,
        "-I",
        "-c",
        _TRAMPOLINE,
        json.dumps(RLIMITS),
        json.dumps(jail or {}),
        "--",
        *argv,
    ]
    return [*prefix, "--", *command] if prefix else command


def materialise(base: Path, files: Sequence[str], run_dir: Path, overrides: dict[str, str]) -> Path:
    """The old per-run tree: hardlinks to the snapshot's base copy, `overrides` written fresh."""
    run_dir.mkdir(parents=True, exist_ok=True)
    made: set[Path] = set()
    for rel in files:
        if rel in overrides:
            continue
        target = run_dir / rel
        parent = target.parent
        if parent not in made:
            parent.mkdir(parents=True, exist_ok=True)
            made.add(parent)
        try:
            os.link(base / rel, target)
        except OSError:
            shutil.copyfile(base / rel, target)
    for rel, text in overrides.items():
        target = run_dir / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.unlink(missing_ok=True)
        target.write_text(text, encoding="utf-8")
    return run_dir


def scrubbed_env(extra: Mapping[str, str], sandbox: Path) -> dict[str, str]:
    env = {name: os.environ[name] for name in PASSED_THROUGH if name in os.environ}
    home, tmp = sandbox / "home", sandbox / "tmp"
    home.mkdir(parents=True, exist_ok=True)
    tmp.mkdir(parents=True, exist_ok=True)
    env.update({"HOME": str(home), "TMPDIR": str(tmp), "PYTHONDONTWRITEBYTECODE": "1"})
    env.update(extra)
    return env


async def run_sandboxed(
    argv: Sequence[str],
    cwd: Path,
    env: Mapping[str, str],
    timeout_s: float,
    isolation: LegacyIsolation,
    writable: Sequence[Path] = (),
) -> LegacyResult:
    jail = jail_spec([cwd, *writable]) if isolation.read_only else None
    command = _command(argv, jail, isolation.prefix)
    cgroup = _make_cgroup(isolation)
    if cgroup is not None:
        command = [
            "sh",
            "-c",
            'echo $$ > "$0" && exec "$@"',
            str(cgroup / "cgroup.procs"),
            *command,
        ]
    process = await asyncio.create_subprocess_exec(
        *command,
        cwd=cwd,
        env=dict(env),
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
        start_new_session=True,
    )
    timed_out = False
    try:
        output, _ = await asyncio.wait_for(process.communicate(), timeout_s)
    except asyncio.TimeoutError:
        timed_out, output = True, b""
    finally:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(process.pid, signal.SIGKILL)
        if cgroup is not None:
            _remove_cgroup(cgroup)
    return LegacyResult(
        None if timed_out else process.returncode, output.decode("utf-8", "replace"), timed_out
    )


def _make_cgroup(isolation: LegacyIsolation) -> Path | None:
    if isolation.pids_cgroup is None:
        return None
    cgroup = isolation.pids_cgroup / f"counterpoint-legacy-{os.getpid()}-{uuid.uuid4().hex[:8]}"
    try:
        cgroup.mkdir()
        (cgroup / "pids.max").write_text(str(PROCESSES))
    except OSError:
        with contextlib.suppress(OSError):
            cgroup.rmdir()
        return None
    return cgroup


def _remove_cgroup(cgroup: Path) -> None:
    for _ in range(100):
        try:
            cgroup.rmdir()
            return
        except FileNotFoundError:
            return
        except OSError:
            with contextlib.suppress(OSError, ValueError):
                for pid in (cgroup / "cgroup.procs").read_text().split():
                    with contextlib.suppress(ProcessLookupError, PermissionError):
                        os.kill(int(pid), signal.SIGKILL)
            time.sleep(0.02)
