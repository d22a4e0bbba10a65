"""Hostile proposals: code a model might write that attacks the machine it is tested on.

Each case is a proposal for `window_sums` whose module does something hostile when the tests
import it, then defines the function properly (so that, where the attack is contained, the tests
still run). The workspace is a throwaway copy of the fixture project, the server's HOME a temp
folder with a canary under ~/.ssh, so a containment failure harms nothing real.
"""

from __future__ import annotations

import dataclasses
import hashlib
import os
import shutil
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from counterpoint.config import Settings
from counterpoint.engine.execute import ExecutionOptions, ExecutionService
from counterpoint.engine.run import cross_check
from counterpoint.model.execution import Execution
from counterpoint.model.report import Report
from counterpoint.model.request import CrossCheckRequest, Range
from counterpoint.sandbox.runner import Limits, detect_isolation
from tests.e2e.scripts import ACCEPT, FIXED
from tests.fakes.providers import FakeProviders, Reply
from tests.hardening.cases import FIXTURES

RUN_TIMEOUT_S = 4.0
TEST_TIMEOUT_S = 2.0
LIMITS = Limits(cpu_seconds=30, memory_bytes=512 * 1024**2, file_bytes=64 * 1024**2, processes=64)
CANARY = "counterpoint-canary-d41d8cd98f00"


@dataclass
class Arena:
    """Where a hostile case runs and what it must not reach."""

    workspace: Path  # the user's project (a copy of the fixture)
    home: Path  # the server's HOME, with .ssh/id_ed25519 holding CANARY
    outside: Path  # a folder outside the sandbox that must stay untouched
    fake_port: int
    server_environ_digest: str

    @classmethod
    def make(cls, root: Path, fake_port: int) -> Arena:
        workspace = root / "project"
        shutil.copytree(FIXTURES, workspace)
        home = root / "home"
        (home / ".ssh").mkdir(parents=True)
        (home / ".ssh" / "id_ed25519").write_text(CANARY)
        outside = root / "outside"
        outside.mkdir()
        (outside / "keep.txt").write_text("keep")
        environ = Path(f"/proc/{os.getpid()}/environ").read_bytes()
        return cls(workspace, home, outside, fake_port, hashlib.sha256(environ).hexdigest())

    def digest(self) -> str:
        """The state the hostile code must not change: the workspace and `outside`."""
        digest = hashlib.sha256()
        for top in (self.workspace, self.outside, self.home):
            for path in sorted(top.rglob("*")):
                digest.update(str(path).encode())
                if path.is_file():
                    digest.update(path.read_bytes())
        return digest.hexdigest()


# pytest captures what a module prints while it is imported; hostile code that wants to be heard
# writes to the real output pipe behind the capture, as `say` does.
_SAY = """import os as _os, stat as _stat
def say(*words):
    line = (" ".join(str(w) for w in words) + "\\n").encode()
    for fd in range(3, 64):
        try:
            if _stat.S_ISFIFO(_os.fstat(fd).st_mode):
                _os.write(fd, line)
        except OSError:
            pass
"""


def _prelude(body: str) -> str:
    return _SAY + body.strip("\n") + "\n\n\n" + FIXED


@dataclass(frozen=True)
class HostileCase:
    name: str
    code: Callable[[Arena], str]  # the proposal, given the arena's paths
    check: Callable[[Arena, Execution, Report], list[str]]  # problems; empty = contained


def _loop(arena: Arena) -> str:
    return _prelude("while True:\n    pass")


def _check_loop(arena: Arena, run: Execution, report: Report) -> list[str]:
    if run.status != "timed_out" or f"timed out after {RUN_TIMEOUT_S:g} s" not in run.message:
        return [f"not reported as timed out: {run.status} {run.message!r}"]
    return []


def _fork_bomb(arena: Arena) -> str:
    return _prelude(
        "import os\nwhile True:\n    try:\n        os.fork()\n    except OSError:\n        pass"
    )


def _check_fork_bomb(arena: Arena, run: Execution, report: Report) -> list[str]:
    problems = []
    if run.status != "timed_out":
        problems.append(f"not stopped: {run.status} {run.message!r}")
    limited = detect_isolation(LIMITS).describe()["processes"]
    if limited != "not limited" and "process limit reached" not in run.message:
        problems.append(f"the process limit ({limited}) is not named: {run.message!r}")
    return problems


def _memory_bomb(arena: Arena) -> str:
    return _prelude("hoard = []\nwhile True:\n    hoard.append(bytearray(64 * 1024 * 1024))")


def _check_memory_bomb(arena: Arena, run: Execution, report: Report) -> list[str]:
    if "stopped: memory limit (512 MB" not in run.message:
        return [f"memory limit not named: {run.status} {run.message!r}"]
    return []


def _flood(arena: Arena) -> str:
    # pytest captures fds 1 and 2; hostile code finds the real pipe behind them and floods it.
    return _prelude(
        "import os, stat\n"
        "line = b'x' * 1023 + b'\\n'\n"
        "for fd in range(3, 64):\n"
        "    try:\n"
        "        if stat.S_ISFIFO(os.fstat(fd).st_mode):\n"
        "            for _ in range(100 * 1024):\n"
        "                os.write(fd, line)\n"
        "    except OSError:\n"
        "        pass"
    )


def _check_flood(arena: Arena, run: Execution, report: Report) -> list[str]:
    problems = []
    if "output truncated at 65536 bytes" not in run.message:
        problems.append(f"truncation not named: {run.message!r}")
    if len(run.output_tail) > 65536:
        problems.append(f"kept {len(run.output_tail)} characters of output")
    return problems


def _writes(arena: Arena) -> str:
    targets = [
        arena.workspace / "windows.py",
        arena.workspace / "new_file.py",
        arena.outside / "keep.txt",
        arena.outside / "dropped.txt",
        arena.home / ".bashrc",
        Path("/tmp") / f"{CANARY}-written",
    ]
    return _prelude(
        f"for target in {[str(t) for t in targets]!r}:\n"
        "    try:\n"
        "        with open(target, 'w') as f:\n"
        "            f.write('pwned')\n"
        "        say('WROTE', target)\n"
        "    except OSError as error:\n"
        "        say('refused', target, error)"
    )


def _check_writes(arena: Arena, run: Execution, report: Report) -> list[str]:
    if Path(f"/tmp/{CANARY}-written").exists():
        Path(f"/tmp/{CANARY}-written").unlink()
        return ["wrote /tmp"]
    return []  # the arena digest (compared by the caller) covers the rest


def _reads(arena: Arena) -> str:
    return _prelude(
        "import glob, hashlib, os\n"
        f"for path in [{str(arena.home / '.ssh' / 'id_ed25519')!r}, "
        f"os.path.expanduser('~/.ssh/id_ed25519'), '/root/.ssh/id_ed25519']:\n"
        "    try:\n"
        "        say('READ', path, open(path).read()[::-1])\n"
        "    except OSError as error:\n"
        "        say('refused', path, error)\n"
        f"for path in ['/proc/{os.getpid()}/environ', f'/proc/{{os.getppid()}}/environ',\n"
        "             *glob.glob('/proc/*/environ')]:\n"
        "    try:\n"
        "        say('ENVIRON', path, hashlib.sha256(open(path, 'rb').read()).hexdigest())\n"
        "    except OSError as error:\n"
        "        say('refused', path, error)"
    )


def _check_reads(arena: Arena, run: Execution, report: Report) -> list[str]:
    problems = []
    seen = run.output_tail + "".join(t.message for t in run.tests)
    if CANARY[::-1] in seen:
        problems.append("read the canary under ~/.ssh")
    if arena.server_environ_digest in seen:
        problems.append("read the server's /proc/<pid>/environ")
    if "ENVIRON" not in seen and "refused" not in seen:
        problems.append("the hostile code did not run (nothing printed)")
    return problems


def _network(arena: Arena) -> str:
    return _prelude(
        "import socket\n"
        f"for host, port in [('127.0.0.1', {arena.fake_port}), ('1.1.1.1', 443)]:\n"
        "    try:\n"
        "        socket.create_connection((host, port), timeout=1).close()\n"
        "        say('CONNECTED', host, port)\n"
        "    except OSError as error:\n"
        "        say('refused', host, port, error)"
    )


def _check_network(arena: Arena, run: Execution, report: Report) -> list[str]:
    if "CONNECTED" in run.output_tail:
        return ["connected out of the sandbox"]
    if "refused" not in run.output_tail:
        return ["the hostile code did not run (nothing printed)"]
    return []


def _deletes(arena: Arena) -> str:
    return _prelude(
        "import shutil\n"
        f"for path in {[str(arena.workspace), str(arena.outside), str(arena.home)]!r}:\n"
        "    shutil.rmtree(path, ignore_errors=True)"
    )


def _no_more_checks(arena: Arena, run: Execution, report: Report) -> list[str]:
    return []


HOSTILE_CASES = (
    HostileCase("infinite loop", _loop, _check_loop),
    HostileCase("fork bomb", _fork_bomb, _check_fork_bomb),
    HostileCase("memory bomb", _memory_bomb, _check_memory_bomb),
    HostileCase("huge output (100 MB)", _flood, _check_flood),
    HostileCase("writes outside the sandbox", _writes, _check_writes),
    HostileCase("reads ~/.ssh and /proc/*/environ", _reads, _check_reads),
    HostileCase("network connections", _network, _check_network),
    HostileCase("deletes the workspace and home", _deletes, _no_more_checks),
)


async def run_hostile_case(
    fake: FakeProviders, arena: Arena, service: ExecutionService, case: HostileCase
) -> tuple[list[str], Report | None, float]:
    """Claude proposes the hostile code, GPT the plain fix; returns (problems, report, s)."""
    before = arena.digest()
    started = time.monotonic()
    report = await cross_check_codes(fake, arena, service, case.code(arena), FIXED)
    elapsed = time.monotonic() - started
    problems = []
    if arena.digest() != before:
        problems.append("changed files outside the sandbox")
    run = report.execution_of("claude")
    if run is None:
        return [*problems, "no execution of the hostile proposal"], report, elapsed
    problems += case.check(arena, run, report)
    if elapsed > RUN_TIMEOUT_S * 3 + 10:
        problems.append(f"took {elapsed:.1f} s")
    return problems, report, elapsed


async def cross_check_codes(
    fake: FakeProviders, arena: Arena, service: ExecutionService, claude: str, gpt: str = FIXED
) -> Report:
    """One cross-check of the arena's `window_sums`: Claude proposes `claude`, GPT `gpt`, and
    both judges accept."""
    fake.reset()
    for provider, code in (("anthropic", claude), ("openai", gpt)):
        fake.default(
            provider,
            "submit_proposal",
            Reply.structured({"code": code, "explanation": "", "tests": []}),
        )
        fake.default(provider, "submit_judgment", Reply.structured(ACCEPT))
    env = fake.env()
    settings = Settings.from_env(env).merged({"cache": False})
    voices = settings.voices(env)
    target = arena.workspace / "windows.py"
    request = CrossCheckRequest(
        target.as_uri(), target.read_text(), "python", Range.of_lines(0, 6), "fix it"
    )
    try:
        return await cross_check(
            request,
            voices,
            settings.run_options(),
            execution=service,
            workspace_root=arena.workspace,
        )
    finally:
        for voice in voices:
            await voice.client.close()  # type: ignore[attr-defined]


def hostile_service(store: Path) -> ExecutionService:
    return ExecutionService(
        ExecutionOptions(
            store_dir=store,
            run_timeout_s=RUN_TIMEOUT_S,
            test_timeout_s=TEST_TIMEOUT_S,
            limits=LIMITS,
        )
    )


def port_is_free(port: int) -> bool:
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) != 0


# -- for the attacks on the sandbox itself (test_sandbox_escape.py) ------------------------------


def limits_with(**values: int) -> Limits:
    """LIMITS with `values` changed, keeping only the fields this version of Limits has (so a
    test can ask for a limit, say `disk_bytes`, that a later sandbox enforces)."""
    known = {f.name for f in dataclasses.fields(Limits)}
    return dataclasses.replace(LIMITS, **{k: v for k, v in values.items() if k in known})


def escape_service(
    store: Path, run_timeout_s: float = RUN_TIMEOUT_S, **limits: int
) -> ExecutionService:
    """hostile_service with another run timeout or other limits (see `limits_with`)."""
    return ExecutionService(
        ExecutionOptions(
            store_dir=store,
            run_timeout_s=run_timeout_s,
            test_timeout_s=TEST_TIMEOUT_S,
            limits=limits_with(**limits),
        )
    )


# What attacks on the sandbox share: `say` (heard also from an atexit handler, once pytest has
# given back fds 1 and 2), the mount table, mount_setattr(2) and umount2(2).
_ESCAPE = """import ctypes as _ctypes, os as _os, stat as _stat
_libc = _ctypes.CDLL(None, use_errno=True)


def say(*words):
    line = (" ".join(str(w) for w in words) + "\\n").encode()
    seen = set()
    for fd in range(1, 64):
        try:
            info = _os.fstat(fd)
            if _stat.S_ISFIFO(info.st_mode) and (info.st_dev, info.st_ino) not in seen:
                seen.add((info.st_dev, info.st_ino))
                _os.write(fd, line)
        except OSError:
            pass


def mounts():
    # (mount point, file system type, super options) of every mount this process sees.
    found = []
    try:
        lines = open("/proc/self/mountinfo").read().splitlines()
    except OSError:
        return found
    for line in lines:
        left, _, right = line.partition(" - ")
        point = left.split()[4].replace("\\\\040", " ")
        kind = right.split()
        found.append((point, kind[0] if kind else "", kind[2] if len(kind) > 2 else ""))
    return found


def mount_of(path):
    # The mount point `path` is on.
    path = _os.path.realpath(path)
    points = [p for p, _, _ in mounts() if path == p or path.startswith(p.rstrip("/") + "/")]
    return max(points, key=len, default="/")


class _MountAttr(_ctypes.Structure):
    _fields_ = [(n, _ctypes.c_uint64) for n in ("attr_set", "attr_clr", "propagation", "userns")]


def make_writable(path, recursive=False):
    # mount_setattr(2) clearing MOUNT_ATTR_RDONLY at `path`: "ok" or why not.
    attr = _MountAttr(0, 1, 0, 0)
    flags = 0x8000 if recursive else 0  # AT_RECURSIVE
    result = _libc.syscall(
        442, -100, path.encode(), flags, _ctypes.byref(attr), _ctypes.sizeof(attr)
    )
    return "ok" if result == 0 else _os.strerror(_ctypes.get_errno())


def unmount(path):
    # umount2(2) with MNT_DETACH: "ok" or why not.
    result = _libc.umount2(path.encode(), 2)
    return "ok" if result == 0 else _os.strerror(_ctypes.get_errno())
"""


def escape_module(body: str) -> str:
    """A proposal for `window_sums` whose module runs `body` (which may use the helpers in
    _ESCAPE) when it is imported, then defines the function properly."""
    return _ESCAPE + "\n\n" + body.strip("\n") + "\n\n\n" + FIXED
