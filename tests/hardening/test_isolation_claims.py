"""Every claim `execution.isolation` makes is checked from inside a run.

A probe runs in the sandbox and reports what it can and cannot do; each key of
`Isolation.describe()` has a check here, so a claim added without one fails this test."""

from __future__ import annotations

import json
import os
import socket
import sys
from pathlib import Path

import pytest

from counterpoint.sandbox.runner import (
    PASSED_THROUGH,
    Limits,
    RunArea,
    detect_isolation,
    run_sandboxed,
    scrubbed_env,
    toolchain_roots,
)

LIMITS = Limits(
    cpu_seconds=60,
    memory_bytes=1024**3,
    file_bytes=32 * 1024**2,
    processes=24,
    disk_bytes=48 * 1024**2,
    inodes=5000,
)

PROBE = r"""
import ctypes, errno, json, os, resource, socket, sys
libc = ctypes.CDLL(None, use_errno=True)
facts = {}
status = dict(line.split(":", 1) for line in open("/proc/self/status").read().splitlines())
facts["cap_eff"] = status["CapEff"].strip()
facts["no_new_privs"] = status["NoNewPrivs"].strip()
facts["seccomp"] = status["Seccomp"].strip()
def call(result):
    return "ok" if result == 0 else errno.errorcode.get(ctypes.get_errno(), "?")
facts["unshare_user"] = call(libc.unshare(0x10000000))
facts["unshare_net"] = call(libc.unshare(0x40000000))
facts["mount_tmpfs"] = call(libc.mount(b"tmpfs", b"/tmp", b"tmpfs", 0, None))
class Attr(ctypes.Structure):
    _fields_ = [(n, ctypes.c_uint64) for n in ("set", "clear", "propagation", "userns")]
attr = Attr(0, 1, 0, 0)
facts["remount_rw"] = call(libc.syscall(442, -100, b"/", 0x8000, ctypes.byref(attr), 32))
facts["umount_layer"] = call(libc.umount2(os.environ["HOME"].rsplit("/", 1)[0].encode(), 2))
def opens_for_writing(path):
    try:
        os.close(os.open(path, os.O_WRONLY))
        return True
    except OSError:
        return False
facts["proc_writable"] = [
    p for p in ("/proc/sys/kernel/core_pattern", "/proc/sys/vm/drop_caches", "/proc/sysrq-trigger")
    if opens_for_writing(p)
]
facts["pid"] = os.getpid()
facts["processes_seen"] = len([p for p in os.listdir("/proc") if p.isdigit()])
facts["interfaces"] = sorted(
    line.split(":")[0].strip() for line in open("/proc/net/dev").read().splitlines()[2:]
)
probe = socket.socket()
probe.settimeout(2)
reached = probe.connect_ex(("127.0.0.1", int(sys.argv[1]))) == 0
facts["connect_host"] = "reached" if reached else "refused"
def writable(path):
    try:
        with open(os.path.join(path, "counterpoint-probe"), "w") as handle:
            handle.write("x")
        return True
    except OSError:
        return False
facts["write"] = {p: writable(p) for p in ("/usr", "/etc", "/", os.environ["HOME"], "/tmp",
                                           "/dev/shm", os.getcwd(), "/var/tmp")}
facts["exists"] = {p: os.path.exists(p) for p in sys.argv[3:]}
home = sys.argv[2]
facts["home"] = sorted(os.listdir(home)) if os.path.isdir(home) else []
disk = {}
for path in (os.getcwd(), "/tmp", os.environ["HOME"], "/dev/shm"):
    st = os.statvfs(path)
    disk[path] = [st.f_blocks * st.f_frsize, st.f_files]
facts["disk"] = disk
facts["environ"] = sorted(os.environ)
facts["rlimits"] = {
    name: resource.getrlimit(getattr(resource, name))[0]
    for name in ("RLIMIT_CPU", "RLIMIT_AS", "RLIMIT_FSIZE", "RLIMIT_NPROC")
}
children = []
for _ in range(60):
    try:
        pid = os.fork()
    except OSError:
        break
    if pid == 0:
        import time
        time.sleep(5)
        os._exit(0)
    children.append(pid)
facts["forks"] = len(children)
for pid in children:
    os.kill(pid, 9)
print("FACTS " + json.dumps(facts))
"""


@pytest.fixture
def listener():
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(1)
    yield server.getsockname()[1]
    server.close()


async def test_each_isolation_claim_holds_inside_a_run(tmp_path, listener):
    isolation = detect_isolation(LIMITS)
    if not isolation.sandboxed:
        pytest.fail(isolation.unavailable or isolation.mode)
    claims = isolation.describe()
    home = Path(os.path.expanduser("~"))
    secret_places = ["/run", "/sys", str(home / ".ssh"), str(tmp_path / "outside")]
    (tmp_path / "outside").mkdir()
    area = RunArea(tmp_path / "runs")
    run = area.new_run()
    result = await run_sandboxed(
        run,
        [sys.executable, "-c", PROBE, str(listener), str(home), *secret_places],
        scrubbed_env({}, run.layer),
        60,
        isolation,
        area=area,
        lower=[run.stage],
        read_only=toolchain_roots([sys.executable]),
    )
    lines = [line for line in result.output.splitlines() if line.startswith("FACTS ")]
    assert lines, result.output
    facts = json.loads(lines[-1].removeprefix("FACTS "))
    checked = set()

    checked.add("sandbox")
    assert claims["sandbox"].startswith("bubblewrap")

    checked.add("network")  # none: only a loopback of its own, the host's listener unreachable
    assert facts["interfaces"] == ["lo"] and facts["connect_host"] == "refused"

    checked.add("namespaces")  # user, pid, mount, network: its own
    assert facts["processes_seen"] < 8 and facts["pid"] < 8, facts

    checked.add("privileges")
    assert facts["cap_eff"] == "0000000000000000" and facts["no_new_privs"] == "1"
    assert facts["unshare_user"] != "ok" and facts["unshare_net"] != "ok"
    assert facts["proc_writable"] == [], facts["proc_writable"]

    checked.add("seccomp")
    assert isolation.seccomp and facts["seccomp"] == "2"  # 2: a filter is in force
    assert facts["mount_tmpfs"] == "EPERM" and facts["remount_rw"] == "EPERM"
    assert facts["umount_layer"] == "EPERM"

    checked.add("filesystem")
    writes = facts["write"]
    assert not writes["/usr"] and not writes["/etc"] and not writes["/"]
    assert all(writes[p] for p in ("/tmp", "/dev/shm", "/var/tmp", str(run.layer / "home")))
    assert writes[str(run.tree)]
    assert not any(facts["exists"].values()), facts["exists"]
    # Of the server's home, only the way to a toolchain installed there (pyenv, rustup).
    toolchains = toolchain_roots([sys.executable])
    ways = {Path(t).relative_to(home).parts[0] for t in toolchains if Path(t).is_relative_to(home)}
    assert set(facts["home"]) <= ways, facts["home"]

    checked.add("disk")
    assert f"{LIMITS.disk_bytes // 1024**2} MB and {LIMITS.inodes} inodes" in claims["disk"]
    for path, (size, inodes) in facts["disk"].items():
        assert size == LIMITS.disk_bytes and inodes == LIMITS.inodes, (path, size, inodes)

    checked.add("processes")
    assert claims["processes"].startswith("own PID namespace; at most 24")
    assert facts["forks"] < LIMITS.processes, facts["forks"]

    checked.add("environment")
    allowed = {*PASSED_THROUGH, "HOME", "TMPDIR", "PYTHONDONTWRITEBYTECODE", "PWD"}  # PWD: bwrap
    assert set(facts["environ"]) <= allowed, facts["environ"]

    checked.add("limits")
    assert facts["rlimits"]["RLIMIT_AS"] == LIMITS.memory_bytes
    assert facts["rlimits"]["RLIMIT_FSIZE"] == LIMITS.file_bytes
    assert facts["rlimits"]["RLIMIT_CPU"] == LIMITS.cpu_seconds

    assert set(claims) - {"notes"} == checked, "a claim without a check"
    assert claims["notes"] == []
