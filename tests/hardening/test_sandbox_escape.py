"""Attacks on the sandbox itself, held to the README's "The sandbox" section.

Each attack is a Python proposal for `window_sums` whose module attacks when the tests import
it (see hostile.escape_module). They go through stable interfaces only: ExecutionService and
its options, cross_check, the hostile-case machinery and the CLI as a subprocess; never the
sandbox's internals. Every attack is bounded: in files, bytes, processes and time.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import shutil
import signal
import socket
import stat
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

import pytest

from counterpoint.model.execution import Execution
from counterpoint.model.report import Report
from tests.e2e.scripts import ACCEPT, FIXED, VARIANT
from tests.fakes.providers import Reply
from tests.hardening.hostile import (
    CANARY,
    RUN_TIMEOUT_S,
    Arena,
    HostileCase,
    cross_check_codes,
    escape_module,
    escape_service,
    hostile_service,
    run_hostile_case,
)

REPO = Path(__file__).resolve().parents[2]
MB = 1024**2


@pytest.fixture
def arena(fake_providers, tmp_path, monkeypatch) -> Arena:
    made = Arena.make(tmp_path / "arena", fake_providers.port)
    monkeypatch.setenv("HOME", str(made.home))  # the server's home, with a canary in ~/.ssh
    return made


def seen(run: Execution, report: Report) -> str:
    """Everything of the run that reaches the user."""
    return run.output_tail + "".join(t.message for t in run.tests) + json.dumps(report.to_json())


def said(run: Execution, word: str) -> list[str]:
    """The lines the hostile code said that start with `word`."""
    return [line for line in run.output_tail.splitlines() if line.startswith(word + " ")]


def explain(problems: list[str], report: Report) -> str:
    run = report.execution_of("claude")
    tail = run.output_tail[-3000:] if run else "(no run)"
    status = f"{run.status}: {run.message}" if run else ""
    return "\n".join([*problems, f"--- the hostile run ({status}) said:", tail])


def no_checks(arena: Arena, run: Execution, report: Report) -> list[str]:
    return []


async def attack(fake, arena: Arena, service, code: str, check=no_checks) -> tuple[list, Report]:
    case = HostileCase("attack", lambda _: code, check)
    problems, report, _ = await run_hostile_case(fake, arena, service, case)
    assert report is not None
    return problems, report


# -- 1. mount_setattr ----------------------------------------------------------------------------


async def test_mount_setattr_cannot_make_the_host_writable(fake_providers, arena, tmp_path):
    targets = [str(arena.outside / "escaped.txt"), str(arena.workspace / "windows.py")]
    code = escape_module(f"""
targets = {targets!r}
for point in dict.fromkeys(["/", *(mount_of(target) for target in targets)]):
    for recursive in (False, True):
        how = "recursive" if recursive else "alone"
        say("SETATTR", point, how, make_writable(point, recursive))
        for target in targets:
            try:
                with open(target, "w") as f:
                    f.write("pwned")
                say("WROTE", target)
            except OSError as error:
                say("refused", target, error)
""")

    def check(arena: Arena, run: Execution, report: Report) -> list[str]:
        if not said(run, "SETATTR"):
            return ["the hostile code did not run (nothing said)"]
        return [f"{line} (after {said(run, 'SETATTR')})" for line in said(run, "WROTE")]

    problems, report = await attack(
        fake_providers, arena, hostile_service(tmp_path / "store"), code, check
    )
    assert problems == [], explain(problems, report)


# -- 2. umount2 and the server's credentials ----------------------------------------------------


async def test_unmounting_what_hides_ssh_does_not_reveal_the_servers_key(
    fake_providers, arena, tmp_path
):
    key = arena.home / ".ssh" / "id_ed25519"
    code = escape_module(f"""
key = {str(key)!r}
def read(how):
    try:
        text = open(key).read()
        say("READ", how, text[::-1], text.encode().hex())
    except OSError as error:
        say("refused", how, error)
read("directly")
for _ in range(3):  # mounts may be stacked
    above = [p for p, _, _ in mounts() if p != "/" and (key + "/").startswith(p.rstrip("/") + "/")]
    for point in sorted(set(above), key=len, reverse=True):
        say("UMOUNT", point, unmount(point))
read("after umount2")
""")

    def check(arena: Arena, run: Execution, report: Report) -> list[str]:
        shown = seen(run, report)
        forms = (CANARY, CANARY[::-1], CANARY.encode().hex())
        problems = [f"the canary reached the report ({form})" for form in forms if form in shown]
        if not said(run, "refused") and not said(run, "READ"):
            problems.append("the hostile code did not run (nothing said)")
        return problems

    problems, report = await attack(
        fake_providers, arena, hostile_service(tmp_path / "store"), code, check
    )
    assert problems == [], explain(problems, report)


# -- 3. the pids cgroup --------------------------------------------------------------------------

# Only the pids hierarchy (v1) and the unified one (v2): the machine's memory cgroup is not ours.
CGROUP_ESCAPE = """
import os
own = {}
for line in open("/proc/self/cgroup"):
    number, controllers, path = line.rstrip("\\n").split(":", 2)
    if "pids" in controllers.split(","):
        own["pids"] = path
    elif number == "0":
        own["unified"] = path
say("CGROUP", sorted(own.items()))
for point, kind, options in mounts():
    if point == "/sys" or point.startswith("/sys/fs/cgroup"):
        make_writable(point)
for point, kind, options in mounts():
    if kind == "cgroup" and "pids" in options.split(","):
        path = own.get("pids")
    elif kind == "cgroup2":
        path = own.get("unified")
    else:
        continue
    if path is None:
        continue
    here = os.path.join(point, path.lstrip("/")).rstrip("/")
    for target in dict.fromkeys([os.path.dirname(here), point]):
        if not target.startswith(point) or os.path.realpath(target) == os.path.realpath(here):
            continue
        try:
            with open(os.path.join(target, "cgroup.procs"), "w") as f:
                f.write(str(os.getpid()))
            say("MOVED", target)
        except OSError as error:
            say("refused", target, error)
say("CGROUP-AFTER", open("/proc/self/cgroup").read().replace("\\n", " "))
"""


async def test_a_run_cannot_move_itself_out_of_its_pids_cgroup(fake_providers, arena, tmp_path):
    def check(arena: Arena, run: Execution, report: Report) -> list[str]:
        if not said(run, "CGROUP"):
            return ["the hostile code did not run (nothing said)"]
        return [f"left its cgroup: {line}" for line in said(run, "MOVED")]

    problems, report = await attack(
        fake_providers,
        arena,
        hostile_service(tmp_path / "store"),
        escape_module(CGROUP_ESCAPE),
        check,
    )
    assert problems == [], explain(problems, report)


# -- 4. a shared test rewritten in place ---------------------------------------------------------

# Same size, same times, same test names: every assert of tests/test_windows.py made vacuous.
POISON = """
import os, re
path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "tests", "test_windows.py")
try:
    info = os.stat(path)
    old = open(path, "rb").read()
    names = re.findall(rb"^def (test\\w+)", old, re.M)
    new = b"from windows import window_sums\\n\\n\\n" + b"".join(
        b"def " + name + b"():\\n    assert window_sums\\n\\n\\n" for name in names
    )
    new = new.rstrip(b"\\n") + b"\\n"
    new += b"#" * (len(old) - len(new) - 1) + b"\\n"
    with open(path, "r+b") as f:
        f.write(new)
    os.utime(path, ns=(info.st_atime_ns, info.st_mtime_ns))
    say("REWROTE", path, len(old), len(new), info.st_nlink)
except OSError as error:
    say("refused", path, error)
"""


def verdict(report: Report) -> tuple[str, list[str]]:
    run = report.execution_of("claude")
    assert run is not None
    return report.confidence.label, sorted(t.id for t in run.failing())


async def test_a_proposal_that_rewrites_a_shared_test_in_place_does_not_change_the_next_verdict(
    fake_providers, arena, tmp_path
):
    """Must show: a proposal that rewrites a shared test in place does not change the verdict of
    the next cross-check."""
    service = hostile_service(tmp_path / "store")
    poisoned = await cross_check_codes(fake_providers, arena, service, escape_module(POISON))
    poisoner = poisoned.execution_of("claude")
    assert poisoner is not None and poisoner.status == "ran", poisoner
    # The next cross-check, of a proposal that is wrong, on the same service...
    after = verdict(await cross_check_codes(fake_providers, arena, service, VARIANT))
    # ...gets the verdict the same proposal gets where no one rewrote anything.
    fresh_service = hostile_service(tmp_path / "fresh-store")
    fresh = verdict(await cross_check_codes(fake_providers, arena, fresh_service, VARIANT))
    assert fresh[1], f"the wrong proposal fails no test even on a fresh service: {fresh}"
    assert after == fresh, (
        f"(label, failing tests) after the rewrite: {after}; on a fresh service: {fresh}\n"
        f"the rewriting proposal said: {poisoner.output_tail[-1500:]}"
    )


# -- 5. FIFOs where the server reads back --------------------------------------------------------

# From an atexit handler, once pytest has written its results: a FIFO in place of each file the
# server reads back. The JUnit file is wherever pytest was told to write it.
FIFOS = """
import atexit, os, sys
WHICH = {which!r}
def swap():
    argv, found = sys.argv, {{}}
    for index, arg in enumerate(argv):
        if arg == "--junitxml" and index + 1 < len(argv):
            found["results"] = argv[index + 1]
        elif arg.startswith("--junitxml="):
            found["results"] = arg.split("=", 1)[1]
    if os.environ.get("COUNTERPOINT_DIFF_OUT"):
        found["behaviour"] = os.environ["COUNTERPOINT_DIFF_OUT"]
    for kind, path in found.items():
        if kind in WHICH:
            try:
                if os.path.lexists(path):
                    os.unlink(path)
                os.mkfifo(path)
                say("FIFO", kind, path)
            except OSError as error:
                say("refused", kind, path, error)
atexit.register(swap)
"""


def release_fifos(folder: Path) -> None:
    """Open every FIFO under `folder` for writing, so that a reader blocked on one goes on."""
    for directory, _, names in os.walk(folder):
        for name in names:
            path = os.path.join(directory, name)
            with contextlib.suppress(OSError):
                if stat.S_ISFIFO(os.lstat(path).st_mode):
                    os.close(os.open(path, os.O_WRONLY | os.O_NONBLOCK))


@pytest.mark.parametrize(
    "which", [("results",), ("behaviour",), ("results", "behaviour")], ids="+".join
)
def test_a_fifo_where_the_server_reads_back_does_not_hold_it_past_the_run_timeout(
    fake_providers, arena, tmp_path, which
):
    """Must show: a FIFO at any path the server reads back does not hold the server past the run
    timeout."""
    store = tmp_path / "store"
    service = hostile_service(store)
    bound = RUN_TIMEOUT_S + 10  # the whole cross-check: its three runs, model calls, slack
    code = escape_module(FIFOS.format(which=list(which)))
    outcome: dict[str, object] = {}

    def serve() -> None:  # its own loop: a read that blocks the loop cannot block the test
        async def bounded() -> Report:
            return await asyncio.wait_for(
                cross_check_codes(fake_providers, arena, service, code), bound
            )

        try:
            outcome["report"] = asyncio.run(bounded())
        except BaseException as error:  # reported below
            outcome["error"] = error

    server = threading.Thread(target=serve, daemon=True)
    started = time.monotonic()
    server.start()
    server.join(bound + 1)
    held = server.is_alive()
    deadline = time.monotonic() + 20
    while server.is_alive() and time.monotonic() < deadline:
        release_fifos(store)  # let a blocked server go, so that the test ends
        server.join(0.1)
    assert not held, (
        f"the server was still held by a FIFO after {bound + 1:g} s (run timeout "
        f"{RUN_TIMEOUT_S:g} s); let go {time.monotonic() - started:.1f} s in, once the test "
        "opened the FIFOs for writing"
    )
    assert "error" not in outcome, outcome["error"]
    report = outcome["report"]
    assert isinstance(report, Report)
    run = report.execution_of("claude")
    assert run is not None
    made = {line.split()[1] for line in said(run, "FIFO")}
    assert made == set(which), f"the attack was not made as meant: {run.output_tail[-2000:]}"


# -- 6. results that never end -------------------------------------------------------------------

ENDLESS = """
import atexit, os, sys
def swap():
    argv = sys.argv
    paths = [argv[i + 1] for i, arg in enumerate(argv[:-1]) if arg == "--junitxml"]
    paths += [arg.split("=", 1)[1] for arg in argv if arg.startswith("--junitxml=")]
    if os.environ.get("COUNTERPOINT_DIFF_OUT"):
        paths.append(os.environ["COUNTERPOINT_DIFF_OUT"])
    for path in paths:
        try:
            if {how!r} == "symlink":
                if os.path.lexists(path):
                    os.unlink(path)
                os.symlink("/dev/zero", path)
            else:
                with open(path, "ab") as f:
                    f.truncate({size})  # sparse: no disk is used
            say("SWAPPED", path)
        except OSError as error:
            say("refused", path, error)
atexit.register(swap)
"""
SPARSE_BYTES = 1024**3


@pytest.mark.parametrize("how", ["symlink", "sparse"])
def test_endless_or_huge_results_do_not_grow_the_servers_memory(tmp_path, how):
    """The results (and behaviour) file replaced by a symlink to /dev/zero, or grown to a 1 GB
    sparse file (with a file-size limit that allows it): the server reads back a capped amount,
    so its memory grows little, and it returns promptly. The cross-check runs in a process of its
    own with a capped address space (tests/hardening/memory_probe.py), so a server that reads
    without bound fails there, not on this machine."""
    spec = {
        "root": str(tmp_path),
        "code": escape_module(ENDLESS.format(how=how, size=SPARSE_BYTES)),
        "limits": {"file_bytes": 2 * SPARSE_BYTES},
    }
    env = {**os.environ, "MALLOC_ARENA_MAX": "2"}
    env = {k: v for k, v in env.items() if not k.endswith(("_API_KEY", "_BASE_URL"))}
    result = subprocess.run(
        [sys.executable, "-m", "tests.hardening.memory_probe", json.dumps(spec)],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=90,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    found = json.loads(result.stdout.strip().splitlines()[-1])
    grown = found["peak"] - found["rss_before"]
    report = (
        f"grew {grown // MB} MB (from {found['rss_before'] // MB} MB) in {found['elapsed']:.1f} s; "
        f"the run: {found['status']}: {found['message']}"
    )
    assert "SWAPPED" in found["output"], f"the attack was not made: {found['output'][-2000:]}"
    assert grown < 200 * MB, report
    assert found["elapsed"] < RUN_TIMEOUT_S + 15, report


# -- 7. a Unix socket outside the run ------------------------------------------------------------


async def test_a_unix_socket_outside_the_run_cannot_be_reached(fake_providers, arena, tmp_path):
    path = arena.outside / "agent.sock"
    marker = f"cp-socket-{uuid.uuid4().hex}"
    if len(os.fsencode(path)) >= 107:
        pytest.skip(f"socket path too long for AF_UNIX: {path}")
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(str(path))
    listener.listen(8)
    listener.settimeout(0.2)
    received: list[bytes] = []
    stop = threading.Event()

    def listen() -> None:
        while not stop.is_set():
            try:
                connection, _ = listener.accept()
            except OSError:
                continue
            with connection:
                connection.settimeout(1)
                with contextlib.suppress(OSError):
                    received.append(connection.recv(256))

    thread = threading.Thread(target=listen, daemon=True)
    thread.start()
    code = escape_module(f"""
import socket
try:
    client = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    client.settimeout(1)
    client.connect({str(path)!r})
    client.sendall({marker!r}.encode())
    client.close()
    say("CONNECTED", {str(path)!r})
except OSError as error:
    say("refused", error)
""")

    def check(arena: Arena, run: Execution, report: Report) -> list[str]:
        if not said(run, "CONNECTED") and not said(run, "refused"):
            return ["the hostile code did not run (nothing said)"]
        return []

    try:
        problems, report = await attack(
            fake_providers, arena, hostile_service(tmp_path / "store"), code, check
        )
    finally:
        stop.set()
        thread.join(2)
        listener.close()
    reached = [data for data in received if marker.encode() in data]
    assert not reached, f"the socket outside the run ({path}) was sent {reached}"
    assert problems == [], explain(problems, report)


# -- 8. filling the disk -------------------------------------------------------------------------

# In its tree, its TMPDIR, its HOME and /tmp: 1 MB files (each under the file-size limit), at most
# 300 MB or 8 s in each place, until the first OSError. What it wrote is said per place.
FILL = """
import os, tempfile, time
deadline = time.monotonic() + 8
chunk = b"x" * (1024 * 1024)
places = {{
    "tree": os.getcwd(),
    "tmpdir": tempfile.gettempdir(),
    "home": os.path.expanduser("~"),
    "slash-tmp": "/tmp",
}}
for place, top in places.items():
    written = 0
    try:
        folder = os.path.join(top, {folder!r})
        os.makedirs(folder, exist_ok=True)
        for index in range(300):
            if time.monotonic() > deadline:
                break
            with open(os.path.join(folder, str(index)), "wb") as f:
                f.write(chunk)
            written += len(chunk)
    except OSError as error:
        say("stopped", place, error)
    say("FILLED", place, written)
"""

# Empty files, at most 200,000 in all or 8 s, in the same places.
INODES = """
import os, tempfile, time
deadline = time.monotonic() + 8
places = [os.getcwd(), tempfile.gettempdir(), os.path.expanduser("~"), "/tmp"]
made = 0
for top in places:
    try:
        folder = os.path.join(top, {folder!r})
        os.makedirs(folder, exist_ok=True)
        for index in range(200_000 - made):
            if index % 1000 == 0 and time.monotonic() > deadline:
                break
            os.close(os.open(os.path.join(folder, str(index)), os.O_CREAT | os.O_WRONLY, 0o600))
            made += 1
    except OSError as error:
        say("stopped", top, error)
say("MADE", made)
"""


async def test_a_run_cannot_write_more_than_its_disk_limit(fake_providers, arena, tmp_path):
    folder = f"cp-fill-{uuid.uuid4().hex}"
    service = escape_service(tmp_path / "store", run_timeout_s=20, disk_bytes=64 * MB)
    try:
        _, report = await attack(
            fake_providers, arena, service, escape_module(FILL.format(folder=folder))
        )
    finally:
        shutil.rmtree(Path("/tmp") / folder, ignore_errors=True)  # should the real /tmp be hit
    run = report.execution_of("claude")
    assert run is not None
    filled = {line.split()[1]: int(line.split()[2]) for line in said(run, "FILLED")}
    assert "tree" in filled, f"the hostile code did not run: {run.output_tail[-2000:]}"
    total = sum(filled.values())
    assert total <= 66 * MB, f"wrote {total // MB} MB with a 64 MB disk limit: {filled}"


async def test_a_run_cannot_make_more_files_than_its_inode_limit(fake_providers, arena, tmp_path):
    folder = f"cp-inodes-{uuid.uuid4().hex}"
    service = escape_service(tmp_path / "store", run_timeout_s=20, inodes=10_000)
    try:
        _, report = await attack(
            fake_providers, arena, service, escape_module(INODES.format(folder=folder))
        )
    finally:
        shutil.rmtree(Path("/tmp") / folder, ignore_errors=True)
    run = report.execution_of("claude")
    assert run is not None
    made = [int(line.split()[1]) for line in said(run, "MADE")]
    assert made, f"the hostile code did not run: {run.output_tail[-2000:]}"
    assert made[0] <= 10_000, f"made {made[0]} files with a limit of 10,000 inodes"


# -- 9. kill -9 of the server mid-run ------------------------------------------------------------

ORPHANS = """
import subprocess, sys, time
MARK = {marker!r}
SLEEP = "import time; time.sleep(30)"
subprocess.Popen([sys.executable, "-c", SLEEP, MARK + "-sleeper"])
# A grandchild in a session of its own, orphaned at once.
subprocess.Popen([
    sys.executable, "-c",
    "import subprocess, sys; "
    "subprocess.Popen([sys.executable, '-c', sys.argv[1], sys.argv[2]], start_new_session=True)",
    SLEEP, MARK + "-setsid",
]).wait()
# Nothing is said from here on: a write to the pipe of a dead server would end the run.
time.sleep(30)
"""


def processes_with(*needles: str) -> dict[int, str]:
    """pid -> command line of every live process whose command line holds a needle."""
    found = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit() or int(entry) == os.getpid():
            continue
        try:
            raw = Path(f"/proc/{entry}/cmdline").read_bytes()
        except OSError:
            continue
        cmdline = raw.replace(b"\0", b" ").decode("utf-8", "replace")
        if any(needle in cmdline for needle in needles):
            found[int(entry)] = cmdline
    return found


def kill_all(needles: tuple[str, ...], within_s: float = 10) -> None:
    deadline = time.monotonic() + within_s
    while (left := processes_with(*needles)) and time.monotonic() < deadline:
        for pid in left:
            with contextlib.suppress(OSError):
                os.kill(pid, signal.SIGKILL)
        time.sleep(0.05)


def files_holding(folder: Path, text: str) -> list[Path]:
    found = []
    for path in folder.rglob("*"):
        with contextlib.suppress(OSError):
            if path.is_file() and not path.is_symlink() and text.encode() in path.read_bytes():
                found.append(path)
    return found


def script(fake, claude: str) -> None:
    fake.reset()
    for provider, code in (("anthropic", claude), ("openai", FIXED)):
        fake.default(
            provider,
            "submit_proposal",
            Reply.structured({"code": code, "explanation": "", "tests": []}),
        )
        fake.default(provider, "submit_judgment", Reply.structured(ACCEPT))


def test_after_kill_9_of_the_server_mid_run_no_process_of_the_run_is_left(
    fake_providers, arena, tmp_path
):
    """Must show: after kill -9 of the server mid-run, no process of the run is left; and the
    run's files are gone once the server starts again on the same cache."""
    marker = f"cp-orphan-{uuid.uuid4().hex}"
    cache = tmp_path / "cache"
    needles = (marker, str(cache))  # the run's processes: marked, or working under the cache
    clean = {k: v for k, v in os.environ.items() if not k.endswith(("_API_KEY", "_BASE_URL"))}
    env = {
        **clean,
        **fake_providers.env(),
        "COUNTERPOINT_CACHE_DIR": str(cache),
        "COUNTERPOINT_RUN_TIMEOUT": "60",
        "HOME": str(arena.home),
    }
    command = [sys.executable, "-m", "counterpoint", "check", str(arena.workspace / "windows.py")]
    command += ["--lines", "1-7", "--json", "--no-cache"]
    script(fake_providers, escape_module(ORPHANS.format(marker=marker)))
    problems = []
    problems += kill_the_server_mid_run(command, env, marker, needles)
    # The server starts again on the same cache and runs a plain fix.
    script(fake_providers, FIXED)
    again = subprocess.run(command, env=env, capture_output=True, text=True, timeout=60)
    if again.returncode != 0:
        problems.append(f"the next start failed: {again.stderr[-2000:]}")
    if stale := files_holding(cache, marker):
        problems.append(f"the killed run's files are still there: {stale}")
    assert problems == [], "\n".join(problems)


def kill_the_server_mid_run(
    command: list[str], env: dict[str, str], marker: str, needles: tuple[str, ...]
) -> list[str]:
    """Start the server, SIGKILL it once the run's marked processes are up; what is left."""
    problems = []
    server = subprocess.Popen(
        command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        deadline = time.monotonic() + 40
        while time.monotonic() < deadline and server.poll() is None:
            running = " ".join(processes_with(marker).values())
            if f"{marker}-sleeper" in running and f"{marker}-setsid" in running:
                break
            time.sleep(0.1)
        else:
            pytest.fail(f"the run's processes never showed up (server exit {server.poll()})")
        server.kill()
        server.wait(10)
        deadline = time.monotonic() + 5
        while (left := processes_with(*needles)) and time.monotonic() < deadline:
            time.sleep(0.1)
        if left:
            problems.append(f"left after kill -9 of the server: {sorted(left.values())}")
    finally:
        with contextlib.suppress(OSError):
            server.kill()
        kill_all(needles)
        for cgroup_root in (Path("/sys/fs/cgroup/pids"), Path("/sys/fs/cgroup")):
            for leaked in cgroup_root.glob(f"counterpoint-{server.pid}-*"):
                with contextlib.suppress(OSError):
                    leaked.rmdir()
    return problems


# -- Found on the way: kernel settings and namespaces --------------------------------------------

# Opening for writing only, never writing: the open is where permission is checked.
KERNEL_SETTINGS = """
import os
say("KERNEL", "trying")
for point, kind, options in mounts():
    if point in ("/proc", "/sys") or point.startswith(("/proc/", "/sys/")):
        say("SETATTR", point, make_writable(point))
for path in ["/proc/sys/kernel/core_pattern", "/proc/sys/vm/drop_caches", "/sys/power/state",
             "/sys/kernel/uevent_helper"]:
    if not os.path.exists(path):
        continue
    try:
        os.close(os.open(path, os.O_WRONLY))
        say("OPENED", path)
    except OSError as error:
        say("refused", path, error)
"""


async def test_a_run_cannot_open_the_hosts_kernel_settings_for_writing(
    fake_providers, arena, tmp_path
):
    """core_pattern names a program the kernel runs as the host's root when a process dumps
    core: a run that can write it owns the machine."""

    def check(arena: Arena, run: Execution, report: Report) -> list[str]:
        if not said(run, "KERNEL"):
            return ["the hostile code did not run (nothing said)"]
        return [f"could write a kernel setting: {line}" for line in said(run, "OPENED")]

    problems, report = await attack(
        fake_providers,
        arena,
        hostile_service(tmp_path / "store"),
        escape_module(KERNEL_SETTINGS),
        check,
    )
    assert problems == [], explain(problems, report)


NAMESPACES = """
for line in open("/proc/self/status"):
    if line.startswith("CapEff:"):
        say("CAPS", line.split()[1])
for name, flag in [("user", 0x10000000), ("mount", 0x00020000)]:
    child = _os.fork()  # in a child: the tests still run in the namespaces they were given
    if child == 0:
        result = _libc.unshare(flag)
        say("UNSHARE", name, "ok" if result == 0 else _os.strerror(_ctypes.get_errno()))
        _os._exit(0)
    _os.waitpid(child, 0)
"""


async def test_a_run_has_no_capabilities_and_cannot_make_namespaces(
    fake_providers, arena, tmp_path
):
    def check(arena: Arena, run: Execution, report: Report) -> list[str]:
        caps = said(run, "CAPS")
        if not caps:
            return ["the hostile code did not run (nothing said)"]
        problems = [f"has capabilities: {line}" for line in caps if int(line.split()[1], 16)]
        problems += [f"made a namespace: {line}" for line in said(run, "UNSHARE") if "ok" in line]
        return problems

    problems, report = await attack(
        fake_providers,
        arena,
        hostile_service(tmp_path / "store"),
        escape_module(NAMESPACES),
        check,
    )
    assert problems == [], explain(problems, report)
