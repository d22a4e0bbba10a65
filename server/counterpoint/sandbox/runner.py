"""Run one command as untrusted code, under bubblewrap, in a per-run layer over the snapshot.

Each run gets a folder under the server's run area (`SandboxRun`): `stage/` holds the files
that differ from the snapshot (the proposal, model tests), written by the server; `layer/` is
where `launcher.py` mounts, in a mount namespace of its own, a size- and inode-limited tmpfs
with an overlay of `stage/` over the snapshot at `layer/work`; `out/` receives the results the
launcher copied out, read as if an adversary wrote them. Inside bubblewrap the command sees
only the OS directories, the toolchain it needs, read-only, and its layer, read-write; it has
no capabilities, no network, its own PID namespace, and a seccomp filter.

Nothing of a run outlives the server: the launcher dies with it (PR_SET_PDEATHSIG), bwrap's
sandbox dies with the launcher (--die-with-parent), the mounts vanish with their namespace, and
a crashed server's folders and cgroups are swept at the next start.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import fcntl
import functools
import marshal
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from counterpoint.sandbox.seccomp import REFUSED, SeccompUnavailable, filter_program
from counterpoint.workspace import read_regular_file

OUTPUT_TAIL_BYTES = 64 * 1024
RESULT_BYTES = 32 * 1024**2  # the most read back of one results file
LAUNCHER = Path(__file__).with_name("launcher.py")
SETUP_FAILED = 97  # launcher.py's exit code when the sandbox could not be set up
GRACE_S = 10.0  # past the run's own time limit, for set-up and copying results out
UNSAFE_SETTING = "COUNTERPOINT_UNSAFE_NO_SANDBOX=1 (setting unsafeNoSandbox)"
# Variables a test process may inherit. Everything else (keys, tokens, cloud credentials) stays out.
PASSED_THROUGH = ("PATH", "LANG", "LC_ALL", "LC_CTYPE", "TZ", "TERM", "SYSTEMROOT")

# The read-only view: the OS's own directories, and of /etc only what programs need to run.
SYSTEM_DIRS = ("/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32")
ETC_ENTRIES = (
    "alternatives", "ca-certificates", "ca-certificates.conf", "ssl", "passwd", "group",
    "nsswitch.conf", "hosts", "host.conf", "gai.conf", "localtime", "timezone", "ld.so.cache",
    "ld.so.conf", "ld.so.conf.d", "os-release", "mime.types", "protocols", "services",
    "environment", "locale.alias", "locale.conf", "gitconfig",
)  # fmt: skip
LAYER_DIRS = ("work", "home", "tmp", "shm")
# As root, the run's uid 0 is the host's root without capabilities, and some of /proc is
# writable by root alone (kernel.core_pattern names a program the kernel runs as root): those
# parts read-only, and what tells about the host's kernel hidden, as Docker does.
PROC_READ_ONLY = ("sys", "sysrq-trigger", "irq", "bus", "fs")
PROC_HIDDEN_FILES = ("kcore", "keys", "timer_list", "sched_debug", "latency_stats", "kallsyms")
PROC_HIDDEN_DIRS = ("acpi", "scsi", "asound", "driver")


@dataclass(frozen=True)
class Limits:
    cpu_seconds: int = 300
    memory_bytes: int = 4 * 1024**3
    file_bytes: int = 256 * 1024**2
    processes: int = 512
    disk_bytes: int = 1024**3  # the run's whole writable area: its tree, HOME, /tmp, /dev/shm
    inodes: int = 200_000

    def rlimits(self) -> dict[str, int]:
        return {
            "RLIMIT_CPU": self.cpu_seconds,
            "RLIMIT_AS": self.memory_bytes,
            "RLIMIT_FSIZE": self.file_bytes,
            "RLIMIT_NPROC": self.processes,
            "RLIMIT_CORE": 0,
        }


@dataclass(frozen=True)
class Isolation:
    """What runs are put under on this machine, as found by probing it."""

    mode: str  # "bubblewrap", "unsafe" (asked for, no isolation) or "unavailable"
    limits: Limits = field(default_factory=Limits)
    bwrap: str = ""  # bwrap's path
    bwrap_version: str = ""
    seccomp: bool = False  # the filter is in force
    seccomp_problem: str = ""
    layer: str = ""  # how a run's tree is made: "overlay" or "copy"
    pids_cgroup: Path | None = None  # where per-run pids cgroups go (root only)
    unavailable: str | None = None  # why tests cannot run, in words for the user

    @property
    def sandboxed(self) -> bool:
        return self.mode == "bubblewrap"

    @property
    def counts_processes(self) -> bool:
        """The process limit is enforced: by a pids cgroup, or by RLIMIT_NPROC when not root."""
        return self.pids_cgroup is not None or os.geteuid() != 0

    def describe(self) -> dict[str, Any]:
        """Only what is in force; `tests/hardening/test_isolation_claims.py` checks each claim
        from inside a run."""
        limits = self.limits
        processes = (
            f"at most {limits.processes} (pids cgroup)"
            if self.pids_cgroup is not None
            else f"at most {limits.processes} (RLIMIT_NPROC)"
            if os.geteuid() != 0
            else "not limited"
        )
        described: dict[str, Any] = {
            "sandbox": self.mode,
            "environment": "scrubbed: only " + ", ".join(PASSED_THROUGH) + " pass through",
            "limits": {
                "cpu_seconds": limits.cpu_seconds,
                "memory_bytes": limits.memory_bytes,
                "file_bytes": limits.file_bytes,
                "processes": limits.processes,
            },
            "notes": [],
        }
        if self.mode == "unavailable":
            described["notes"].append(self.unavailable or "no sandbox")
            return described
        if self.mode == "unsafe":
            described.update(
                {
                    "network": "host network",
                    "filesystem": "UNSAFE: no isolation; a copy of the workspace, but tests can "
                    "read and write wherever the server's user can",
                    "processes": processes,
                }
            )
            described["notes"].append(f"UNSAFE: tests ran without a sandbox ({UNSAFE_SETTING})")
            return described
        mb = limits.disk_bytes // 1024**2
        tree = "an overlay over the shared snapshot" if self.layer == "overlay" else "a copy"
        described.update(
            {
                "sandbox": f"bubblewrap {self.bwrap_version}".strip(),
                "network": "none (own network namespace, loopback only)",
                "namespaces": "user, mount, pid, network, ipc, uts, cgroup",
                "privileges": "no capabilities, no new privileges, no new user namespaces"
                + (
                    "; uid 0 is the host's root without capabilities: /proc/sys and the other "
                    "host-wide files of /proc are read-only or hidden"
                    if os.geteuid() == 0
                    else ""
                ),
                "seccomp": (
                    "refuses " + ", ".join(REFUSED[:4]) + ", setns, unshare, ptrace, bpf, keyctl, "
                    f"perf_event_open and {len(REFUSED) - 10} more; namespace flags of clone"
                    if self.seccomp
                    else "not in force: " + self.seccomp_problem
                ),
                "filesystem": (
                    "read-only: the OS directories, some of /etc, the toolchain; writable: the "
                    f"run's own tree ({tree}), HOME, /tmp and /dev/shm, all on the run's tmpfs; "
                    "nothing else of the server's home, no /run, no /sys, no sockets from outside"
                ),
                "disk": f"{mb} MB and {limits.inodes} inodes for every file the run writes (its "
                "tree, HOME, /tmp, /dev/shm); memory it asks for as files (memfd, SysV shared "
                "memory) is not counted",
                "processes": "own PID namespace; " + processes,
            }
        )
        if not self.seccomp:
            described["notes"].append("seccomp filter not in force: " + self.seccomp_problem)
        if not self.counts_processes:
            described["notes"].append(
                "running as root without a pids cgroup: the process count is not limited"
            )
        return described


def scrubbed_env(extra: Mapping[str, str], layer: Path) -> dict[str, str]:
    env = {name: os.environ[name] for name in PASSED_THROUGH if name in os.environ}
    env.update(
        {
            "HOME": str(layer / "home"),
            "TMPDIR": str(layer / "tmp"),
            "PYTHONDONTWRITEBYTECODE": "1",
        }
    )
    env.update(extra)
    return env


# -- the run area: one folder per server process, swept when its process is gone ---------------


class RunArea:
    """`root/<pid>-<token>/`, locked for this process's lifetime; folders of processes that
    no longer hold their lock (a `kill -9`ed server) are removed when the next one starts."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._mine: Path | None = None
        self._lock_fd: int | None = None
        self._making = threading.Lock()  # runs start from worker threads

    @property
    def mine(self) -> Path:
        with self._making:
            if self._mine is None:
                self.root.mkdir(parents=True, exist_ok=True)
                self.sweep()
                # Locked before it has its name: a sweep in another process or thread never
                # sees it without its lock held.
                name = f"{os.getpid()}-{uuid.uuid4().hex[:8]}"
                making = self.root / f".{name}"
                making.mkdir(mode=0o700)
                lock = os.open(making / "lock", os.O_CREAT | os.O_RDWR | os.O_CLOEXEC, 0o600)
                fcntl.flock(lock, fcntl.LOCK_EX)
                making.rename(self.root / name)
                self._lock_fd, self._mine = lock, self.root / name
            return self._mine

    def close(self) -> None:
        """At exit: the processes of this process's runs killed, their pids cgroups and run
        folders removed (what `sweep` would do after a crash, done now)."""
        with self._making:
            mine, self._mine = self._mine, None
        if mine is None:
            return
        sweep_cgroups({mine.name})
        shutil.rmtree(mine, ignore_errors=True)

    def new_run(self) -> SandboxRun:
        run = SandboxRun(self.mine / uuid.uuid4().hex[:12])
        for folder in (run.stage, run.layer, run.out):
            folder.mkdir(parents=True)
        return run

    def seccomp_file(self) -> Path:
        path = self.mine / "seccomp.bpf"
        if not path.exists():
            tmp = path.with_suffix(".tmp")
            tmp.write_bytes(filter_program())
            tmp.replace(path)
        return path

    def sweep(self) -> list[str]:
        """Remove what crashed servers left: their run folders and their runs' pids cgroups."""
        removed = []
        with contextlib.suppress(OSError):
            for entry in os.scandir(self.root):
                if entry.name.startswith(".") and not _older_than(entry.path, 3600):
                    continue  # being made right now
                if entry.is_dir(follow_symlinks=False) and self._abandoned(Path(entry.path)):
                    shutil.rmtree(entry.path, ignore_errors=True)
                    removed.append(entry.name)
        return removed + sweep_cgroups(set(removed))

    @staticmethod
    def _abandoned(folder: Path) -> bool:
        try:
            fd = os.open(folder / "lock", os.O_RDWR | os.O_CLOEXEC)
        except FileNotFoundError:
            # No lock: an older layout, or a folder being made right now; old ones only.
            return _older_than(str(folder), 3600)
        except OSError:
            return False
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            return False  # its server is alive
        finally:
            os.close(fd)
        return True


def _older_than(path: str, seconds: float) -> bool:
    try:
        return time.time() - os.lstat(path).st_mtime > seconds
    except OSError:
        return False


@dataclass(frozen=True)
class SandboxRun:
    """The host-side folders of one run."""

    root: Path

    @property
    def stage(self) -> Path:
        """Files of this run that differ from the snapshot; the overlay's top layer."""
        return self.root / "stage"

    @property
    def layer(self) -> Path:
        """The run's writable area, as the command sees it (same path inside and out)."""
        return self.root / "layer"

    @property
    def tree(self) -> Path:
        return self.layer / "work"

    @property
    def out(self) -> Path:
        return self.root / "out"

    def remove(self) -> None:
        shutil.rmtree(self.root, ignore_errors=True)


# -- finding out what this machine allows --------------------------------------------------------


@functools.cache
def _probe(unsafe: bool) -> Isolation:
    if unsafe:
        return Isolation("unsafe", pids_cgroup=_pids_cgroup_root())
    bwrap = shutil.which("bwrap")
    if bwrap is None:
        return Isolation(
            "unavailable",
            unavailable=(
                "not executed: the sandbox needs bubblewrap (bwrap), which is not installed: "
                "install it (Debian/Ubuntu: `sudo apt install bubblewrap`, Fedora: `sudo dnf "
                f"install bubblewrap`, Arch: `sudo pacman -S bubblewrap`), or set {UNSAFE_SETTING} "
                "to run tests without isolation"
            ),
        )
    version = ""
    with contextlib.suppress(OSError, subprocess.SubprocessError):
        shown = subprocess.run([bwrap, "--version"], capture_output=True, text=True, timeout=10)
        version = shown.stdout.strip().removeprefix("bubblewrap ")
    seccomp, seccomp_problem = True, ""
    try:
        filter_program()
    except SeccompUnavailable as error:
        seccomp, seccomp_problem = False, str(error)
    found = Isolation(
        "bubblewrap",
        bwrap=bwrap,
        bwrap_version=version,
        seccomp=seccomp,
        seccomp_problem=seccomp_problem,
        pids_cgroup=_pids_cgroup_root(),
    )
    with tempfile.TemporaryDirectory(prefix="counterpoint-probe-") as folder:
        area = RunArea(Path(folder) / "runs")
        run = area.new_run()
        command = _launcher_argv(run, found, ["true"], {}, "", [run.stage], [], 30, None, area)
        try:
            process = subprocess.run(command, capture_output=True, text=True, timeout=60)
        except (OSError, subprocess.SubprocessError) as error:
            problem = str(error)
        else:
            status = _status(run)
            if process.returncode == 0 and status.get("returncode") == 0:
                return dataclasses.replace(found, layer=str(status.get("layer", "")))
            said = (process.stderr or process.stdout).strip().splitlines()
            problem = said[-1] if said else f"exit code {process.returncode}"
    return Isolation(
        "unavailable",
        unavailable=(
            f"not executed: the sandbox could not start ({problem}); unprivileged user "
            "namespaces may be disabled (Ubuntu 24.04: `sudo sysctl -w "
            "kernel.apparmor_restrict_unprivileged_userns=0`, or an AppArmor profile that "
            f"allows bwrap); or set {UNSAFE_SETTING} to run tests without isolation"
        ),
    )


def detect_isolation(limits: Limits | None = None, unsafe: bool = False) -> Isolation:
    return dataclasses.replace(_probe(unsafe), limits=limits or Limits())


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


# A run's cgroup is named after the run area's folder of the server that made it, so only the
# folders found abandoned (their lock free) lead to cgroups being removed.
_CGROUP_NAME = re.compile(r"^counterpoint-(\d+-[0-9a-f]+)-[0-9a-f]{8}$")


def sweep_cgroups(owners: set[str]) -> list[str]:
    """Pids cgroups of these gone servers (a `kill -9`): their processes killed, removed."""
    root = _pids_cgroup_root()
    if root is None or not owners:
        return []
    removed = []
    with contextlib.suppress(OSError):
        for entry in os.scandir(root):
            match = _CGROUP_NAME.match(entry.name)
            if match is None or match.group(1) not in owners:
                continue
            _kill_cgroup(Path(entry.path))
            with contextlib.suppress(OSError):
                os.rmdir(entry.path)
                removed.append(entry.name)
    return removed


# -- the view -------------------------------------------------------------------------------------


def toolchain_roots(programs: Sequence[str]) -> list[str]:
    """Every installation the programs belong to (a venv and the Python it was made from)."""
    roots: list[str] = []
    for program in programs:
        found = shutil.which(program) if os.sep not in program else program
        if not found:
            continue
        for path in (Path(os.path.abspath(found)), Path(os.path.realpath(found))):
            folder = path.parent.parent if path.parent.name in ("bin", "sbin") else path.parent
            if not _under_system(folder):
                roots.append(str(folder))
    return roots


def _under_system(path: Path) -> bool:
    text = str(path)
    return text == "/" or any(text == d or text.startswith(d + "/") for d in SYSTEM_DIRS)


def _outermost(paths: Sequence[str]) -> list[str]:
    """Existing paths, each once, none inside another (or inside the OS's directories)."""
    # A path with `..` is taken as the kernel walks it (through links), not as text: else
    # `/tmp/../ws/a/../b` is checked as one folder and bound as another (`ws/b`).
    unique = sorted(
        {
            os.path.realpath(p) if ".." in p.split("/") else os.path.abspath(p)
            for p in paths
            if p and os.path.exists(p)
        }
    )
    kept: list[str] = []
    for path in unique:
        if _under_system(Path(path)) or path in ("/", "/etc", "/proc", "/dev", "/sys", "/run"):
            continue
        if not any(path.startswith(other.rstrip("/") + "/") for other in kept):
            kept.append(path)
    return kept


def bwrap_argv(isolation: Isolation, run: SandboxRun, cwd: Path, read_only: Sequence[str]) -> list:
    argv = [
        isolation.bwrap,
        "--unshare-all",
        "--unshare-user",
        "--disable-userns",
        "--cap-drop",
        "ALL",
        "--die-with-parent",
        "--new-session",
        "--hostname",
        "counterpoint",
    ]
    for folder in SYSTEM_DIRS:
        if os.path.islink(folder):
            argv += ["--symlink", os.readlink(folder), folder]
        elif os.path.isdir(folder):
            argv += ["--ro-bind", folder, folder]
    for entry in ETC_ENTRIES:
        argv += ["--ro-bind-try", f"/etc/{entry}", f"/etc/{entry}"]
    layer = str(run.layer)
    argv += ["--proc", "/proc", "--dev", "/dev"]
    for name in PROC_READ_ONLY:
        argv += ["--ro-bind-try", f"/proc/{name}", f"/proc/{name}"]
    for name in PROC_HIDDEN_FILES:
        if os.path.exists(f"/proc/{name}"):
            argv += ["--ro-bind", "/dev/null", f"/proc/{name}"]
    for name in PROC_HIDDEN_DIRS:
        if os.path.isdir(f"/proc/{name}"):
            argv += ["--tmpfs", f"/proc/{name}", "--remount-ro", f"/proc/{name}"]
    argv += ["--bind", f"{layer}/shm", "/dev/shm", "--bind", f"{layer}/tmp", "/tmp"]
    argv += ["--bind", f"{layer}/tmp", "/var/tmp", "--bind", layer, layer]
    for path in _outermost([p for p in read_only if not p.startswith(layer)]):
        argv += ["--ro-bind", path, path]
    # bwrap's own root (where /etc's entries and the mount points live) is a tmpfs with no
    # size limit: read-only, so that the layer is the only place a run can write.
    argv += ["--remount-ro", "/", "--chdir", str(cwd)]
    return argv


def _launcher_argv(
    run: SandboxRun,
    isolation: Isolation,
    argv: Sequence[str],
    env: Mapping[str, str],
    cwd: str,
    lower: Sequence[Path],
    read_only: Sequence[str],
    timeout_s: float,
    cgroup: Path | None,
    area: RunArea,
    results: Sequence[str] = (),
) -> list[str]:
    workdir = run.tree / cwd
    unsafe = isolation.mode == "unsafe"
    spec = {
        "parent": os.getpid(),
        "unsafe": unsafe,
        "layer": str(run.layer),
        "dirs": list(LAYER_DIRS),
        "disk_bytes": isolation.limits.disk_bytes,
        "inodes": isolation.limits.inodes,
        "lower": [str(path) for path in lower],
        "cgroup": str(cgroup / "cgroup.procs") if cgroup is not None else None,
        "rlimits": isolation.limits.rlimits(),
        "bwrap": None if unsafe else bwrap_argv(isolation, run, workdir, read_only),
        "seccomp": str(area.seccomp_file()) if isolation.seccomp and not unsafe else None,
        "command": list(argv),
        "env": dict(env),
        "cwd": str(workdir),
        "timeout_s": timeout_s,
        "results": list(results),
        "result_cap": RESULT_BYTES,
        "out": str(run.out),
    }
    spec_file = run.root / "spec"  # beside the layer, never in it: the run cannot see it
    spec_file.write_bytes(marshal.dumps(spec))
    return [sys.executable, "-I", "-S", "-c", _START_LAUNCHER, str(spec_file)]


# The launcher imported as a module, so that its bytecode is cached (a script never is).
_START_LAUNCHER = (
    f"import sys; sys.path.insert(0, {str(LAUNCHER.parent)!r}); import launcher; launcher.main()"
)


def _status(run: SandboxRun) -> dict[str, Any]:
    """What the launcher wrote (marshal data: it and the server alone write this folder)."""
    data = read_untrusted(run.out / "status", 1024**2)
    try:
        status = marshal.loads(data or b"")
    except (ValueError, EOFError, TypeError):
        return {}
    return status if isinstance(status, dict) else {}


# -- running ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class ProcessResult:
    returncode: int | None
    output: str  # the tail of stdout and stderr together
    timed_out: bool
    duration_s: float
    output_bytes: int = 0  # everything it printed; more than OUTPUT_TAIL_BYTES means truncated
    process_limit_hit: bool = False  # the pids cgroup refused a fork
    results: dict[str, bytes] = field(default_factory=dict)  # what was read back, by name
    refused: dict[str, str] = field(default_factory=dict)  # results not read back, and why
    setup_failed: str | None = None  # the sandbox could not be set up: why

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
        for name, why in self.refused.items():
            found.append(f"{name} not read back: {why}")
        if "No space left on device" in self.output:
            found.append("the run's disk limit was reached")
        return found


async def run_sandboxed(
    run: SandboxRun,
    argv: Sequence[str],
    env: Mapping[str, str],
    timeout_s: float,
    isolation: Isolation,
    *,
    area: RunArea,
    cwd: str = "",
    lower: Sequence[Path] = (),
    read_only: Sequence[str] = (),
    results: Sequence[str] = (),
) -> ProcessResult:
    """Run `argv` in `run`'s tree (`lower` layers, top first, beneath its writes) and read back
    `results` (paths relative to the layer). Killed whole on timeout and on cancel."""
    if isolation.mode == "unavailable":
        raise RuntimeError(isolation.unavailable)
    cgroup = _make_cgroup(isolation, area.mine.name)
    command = _launcher_argv(
        run, isolation, argv, env, cwd, lower, read_only, timeout_s, cgroup, area, results
    )
    started = time.monotonic()
    process = await asyncio.create_subprocess_exec(
        *command,
        env={"PATH": os.environ.get("PATH", "")},
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

    draining = asyncio.ensure_future(drain())
    hung = False
    try:
        await asyncio.wait_for(process.wait(), timeout_s + GRACE_S)
    except asyncio.TimeoutError:
        hung = True  # the launcher enforces the limit itself: this is a last resort
    finally:
        _kill_group(process.pid)  # also on cancel: nothing outlives the run
        if cgroup is not None:
            _kill_cgroup(cgroup)
        ended = asyncio.gather(process.wait(), draining)
        try:
            await asyncio.wait_for(ended, 5)
        except BaseException:
            draining.cancel()
            # Cancelled again while it waited: its outcome is of no interest, but is taken.
            ended.add_done_callback(lambda done: done.cancelled() or done.exception())
            if not isinstance(sys.exc_info()[1], asyncio.CancelledError | asyncio.TimeoutError):
                raise
        finally:
            forks_refused = cgroup is not None and _remove_cgroup(cgroup)
    status = await asyncio.to_thread(_status, run)
    output = tail.decode("utf-8", "replace")
    setup_failed = None
    if process.returncode == SETUP_FAILED and not status:
        lines = [line for line in output.splitlines() if line.startswith("counterpoint sandbox:")]
        setup_failed = lines[-1] if lines else "the sandbox could not be set up"
    read = {}
    for index, name in enumerate(results):
        data = await asyncio.to_thread(read_untrusted, run.out / f"result-{index}", RESULT_BYTES)
        if data is not None:
            read[name] = data
    timed_out = hung or bool(status.get("timed_out"))
    returncode = status.get("returncode") if not timed_out else None
    return ProcessResult(
        returncode=returncode if isinstance(returncode, int) else None,
        output=output,
        timed_out=timed_out,
        duration_s=time.monotonic() - started,
        output_bytes=total,
        process_limit_hit=forks_refused,
        results=read,
        refused={str(k): str(v) for k, v in dict(status.get("refused") or {}).items()},
        setup_failed=setup_failed,
    )


def read_untrusted(path: Path, cap: int) -> bytes | None:
    """What a run may have touched: a regular file of at most `cap` bytes, never through a
    link. Blocking: call it off the event loop."""
    return read_regular_file(path, cap, follow_links=False)


def _kill_group(pid: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, signal.SIGKILL)


def _make_cgroup(isolation: Isolation, owner: str) -> Path | None:
    if isolation.pids_cgroup is None:
        return None
    cgroup = isolation.pids_cgroup / f"counterpoint-{owner}-{uuid.uuid4().hex[:8]}"
    try:
        cgroup.mkdir()
        # The launcher and bwrap's own two processes are counted too.
        (cgroup / "pids.max").write_text(str(isolation.limits.processes + 3))
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
