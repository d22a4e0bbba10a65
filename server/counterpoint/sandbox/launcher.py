"""Set up one run's private mounts, run the command under bubblewrap, then copy its results out.

Run by the server as `python -I -S -c "…import launcher; launcher.main()" SPEC_FILE` (so its
bytecode is cached like any module's). It imports little of the standard library, since its
start-up is paid on every run: the spec and the status are marshal data (written by the
server and by this process only, never by the run), and the command is started by fork and exec.
This process is trusted; the command it runs is not. In a mount namespace of its own it mounts:
- a tmpfs at the run's layer, limited in bytes and inodes: the run's whole writable area (its
  tree, HOME, /tmp, /dev/shm), so a run can fill only that, and it vanishes with this namespace
  even after a `kill -9`;
- an overlay at `layer/work`: the shared snapshot below, the run's own files (the proposal,
  model tests) above, and every write in the layer's tmpfs, so no run can change the snapshot.
bubblewrap then builds the allow-listed view from these, drops every capability and runs the
command under the seccomp filter; mounts made here are locked in its nested namespaces.

Without bubblewrap and only when the user asked for it (`unsafe`), the command runs directly in
a copy: no isolation but the process limits.
"""

from __future__ import annotations

import ctypes
import marshal
import os
import resource
import select
import signal
import stat
import sys
import time

SETUP_FAILED = 97  # exit code when the sandbox could not be set up; stderr says why
CLONE_NEWNS, CLONE_NEWUSER = 0x00020000, 0x10000000
MS_NOSUID, MS_NODEV, MS_REC, MS_PRIVATE = 2, 4, 16384, 1 << 18
PR_SET_PDEATHSIG = 1
READ_CHUNK = 1 << 20

libc = ctypes.CDLL(None, use_errno=True)


def fail(what: str) -> None:
    sys.stderr.write(f"counterpoint sandbox: {what}\n")
    sys.stderr.flush()
    os._exit(SETUP_FAILED)


def check(result: int, what: str) -> None:
    if result != 0:
        fail(f"{what}: {os.strerror(ctypes.get_errno())}")


def mount(source: str, target: str, fstype: str | None, flags: int, data: str | None) -> int:
    return libc.mount(
        source.encode(), target.encode(), fstype and fstype.encode(), flags, data and data.encode()
    )


def die_with_parent(parent: int) -> None:
    check(libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0), "prctl")
    if os.getppid() != parent:  # the server died before the line above
        os._exit(SETUP_FAILED)


def private_mount_namespace() -> None:
    """As root a mount namespace is enough; otherwise a user namespace holding it, with this
    user mapped to itself."""
    uid, gid = os.geteuid(), os.getegid()
    if uid == 0:
        check(libc.unshare(CLONE_NEWNS), "unshare(CLONE_NEWNS)")
    else:
        check(libc.unshare(CLONE_NEWUSER | CLONE_NEWNS), "unshare(CLONE_NEWUSER|CLONE_NEWNS)")
        for name, text in (
            ("setgroups", "deny"),
            ("uid_map", f"{uid} {uid} 1"),
            ("gid_map", f"{gid} {gid} 1"),
        ):
            with open(f"/proc/self/{name}", "w") as handle:
                handle.write(text)
    # Nothing mounted here reaches the host, and nothing mounted there later reaches here.
    check(mount("none", "/", None, MS_REC | MS_PRIVATE, None), "make / private")


def overlay_option(path: str) -> str:
    return path.replace("\\", "\\\\").replace(":", "\\:").replace(",", "\\,")


def build_layer(spec: dict) -> str:
    """The run's writable area; returns how its tree was made: "overlay" or "copy"."""
    layer = spec["layer"]
    if not spec["unsafe"]:
        limits = f"size={spec['disk_bytes']},nr_inodes={spec['inodes']},mode=0755"
        check(mount("counterpoint-run", layer, "tmpfs", MS_NOSUID | MS_NODEV, limits), "tmpfs")
    for name in spec["dirs"]:
        os.makedirs(os.path.join(layer, name), exist_ok=True)
    work = os.path.join(layer, "work")
    lower = [path for path in spec["lower"] if os.path.isdir(path)]
    if not spec["unsafe"] and lower:
        upper, scratch = os.path.join(layer, ".upper"), os.path.join(layer, ".overlay-work")
        os.mkdir(upper)
        os.mkdir(scratch)
        options = (
            "lowerdir=" + ":".join(overlay_option(path) for path in lower)
            + f",upperdir={overlay_option(upper)},workdir={overlay_option(scratch)}"
        )  # fmt: skip
        if os.geteuid() != 0:
            options += ",userxattr"
        if mount("overlay", work, "overlay", 0, options) == 0:
            return "overlay"
        os.rmdir(upper)
        os.rmdir(scratch)
    # No overlayfs here (or no sandbox at all): a copy, lowest layer first.
    import shutil  # only here: its import costs every run a few milliseconds

    for source in reversed(lower):
        shutil.copytree(source, work, symlinks=True, dirs_exist_ok=True)
    return "copy"


def join_cgroup(procs: str | None) -> None:
    if procs:
        try:
            with open(procs, "w") as handle:
                handle.write(str(os.getpid()))
        except OSError as error:
            fail(f"joining the run's pids cgroup: {error}")


def set_limits(limits: dict[str, int]) -> None:
    """Each limit, or the server's own hard limit where that is lower (it cannot be raised)."""
    for name, value in limits.items():
        which = getattr(resource, name)
        hard = resource.getrlimit(which)[1]
        if hard != resource.RLIM_INFINITY:
            value = min(value, hard)
        resource.setrlimit(which, (value, value))


def run(spec: dict) -> dict:
    argv = list(spec["command"])
    fds: tuple[int, ...] = ()
    if spec["bwrap"]:
        prefix = list(spec["bwrap"])
        if spec["seccomp"]:
            fd = os.open(spec["seccomp"], os.O_RDONLY)
            os.set_inheritable(fd, True)
            fds = (fd,)
            prefix += ["--seccomp", str(fd)]
        argv = [*prefix, "--", *argv]
    started = time.monotonic()
    pid = spawn(argv, spec["env"], None if spec["bwrap"] else spec["cwd"], not spec["bwrap"])
    for fd in fds:
        os.close(fd)
    returncode = wait(pid, spec["timeout_s"])
    timed_out = returncode is None
    if timed_out:
        if not spec["bwrap"]:
            try:  # noqa: SIM105 (contextlib's import would cost every run)
                os.killpg(pid, signal.SIGKILL)
            except OSError:
                pass
        os.kill(pid, signal.SIGKILL)  # bwrap: its sandbox dies with it (--die-with-parent)
        returncode = os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1])
    return {
        "returncode": returncode,
        "timed_out": timed_out,
        "duration_s": time.monotonic() - started,
    }


def spawn(argv: list[str], env: dict, cwd: str | None, new_session: bool) -> int:
    """Fork and exec `argv` with stdin from /dev/null. Python ignores SIGPIPE and SIGXFSZ, and
    an ignored signal stays ignored across exec: both go back to their defaults (so that
    RLIMIT_FSIZE kills). Without bwrap the command gets a session of its own, so that one
    kill takes all of it. A failed exec is reported on stderr with the set-up exit code."""
    pid = os.fork()
    if pid != 0:
        return pid
    try:
        devnull = os.open(os.devnull, os.O_RDONLY)
        os.dup2(devnull, 0)
        for number in (signal.SIGPIPE, signal.SIGXFSZ):
            signal.signal(number, signal.SIG_DFL)
        if new_session:
            os.setsid()
        if cwd is not None:
            os.chdir(cwd)
        os.execvpe(argv[0], argv, env)
    except OSError as error:
        os.write(2, f"counterpoint sandbox: starting {argv[0]}: {error}\n".encode())
    finally:
        os._exit(SETUP_FAILED)


def wait(pid: int, timeout_s: float) -> int | None:
    """The child's exit code (negative: the signal that killed it), or None after `timeout_s`;
    woken by a pidfd the moment it exits."""
    deadline = time.monotonic() + timeout_s
    pidfd = os.pidfd_open(pid)
    poller = select.poll()
    poller.register(pidfd, select.POLLIN)
    try:
        while True:
            done, status = os.waitpid(pid, os.WNOHANG)
            if done:
                return os.waitstatus_to_exitcode(status)
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return None
            poller.poll(remaining * 1000 + 1)
    finally:
        os.close(pidfd)


def open_beneath(top: str, relative: str) -> int:
    """Open `top/relative` for reading without following any symlink on the way and without
    blocking on a FIFO; raise OSError otherwise."""
    parts = [part for part in relative.split("/") if part not in ("", ".")]
    if not parts or ".." in parts:
        raise OSError(f"bad path {relative!r}")
    flags = os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC | os.O_NONBLOCK
    fd = os.open(top, flags | os.O_DIRECTORY)
    try:
        for part in parts[:-1]:
            step = os.open(part, flags | os.O_DIRECTORY, dir_fd=fd)
            os.close(fd)
            fd = step
        return os.open(parts[-1], flags, dir_fd=fd)
    finally:
        os.close(fd)


def read_capped(fd: int, cap: int) -> bytes:
    info = os.fstat(fd)
    if not stat.S_ISREG(info.st_mode):
        raise OSError("not a regular file")
    if info.st_size > cap:
        raise OSError(f"larger than {cap} bytes ({info.st_size})")
    chunks, total = [], 0
    while chunk := os.read(fd, min(READ_CHUNK, cap + 1 - total)):
        chunks.append(chunk)
        total += len(chunk)
        if total > cap:
            raise OSError(f"larger than {cap} bytes")
    return b"".join(chunks)


def copy_out(spec: dict) -> dict[str, str]:
    """Each result the run wrote, read as if an adversary wrote it, into the host-side folder
    the run never sees. Returns the ones that could not be read, and why."""
    refused = {}
    for index, name in enumerate(spec["results"]):
        try:
            fd = open_beneath(spec["layer"], name)
        except FileNotFoundError:
            continue
        except OSError as error:
            refused[name] = error.strerror or str(error)
            continue
        try:
            data = read_capped(fd, spec["result_cap"])
        except OSError as error:
            refused[name] = error.strerror or str(error)
            continue
        finally:
            os.close(fd)
        with open(os.path.join(spec["out"], f"result-{index}"), "wb") as handle:
            handle.write(data)
    return refused


def main() -> None:
    with open(sys.argv[1], "rb") as handle:
        spec = marshal.load(handle)
    die_with_parent(spec["parent"])
    if not spec["unsafe"]:
        private_mount_namespace()
    try:
        layer = build_layer(spec)
    except OSError as error:
        fail(f"preparing the run: {error}")
    join_cgroup(spec["cgroup"])
    set_limits(spec["rlimits"])
    status = run(spec)
    status["layer"] = layer
    status["refused"] = copy_out(spec)
    with open(os.path.join(spec["out"], "status"), "wb") as handle:
        marshal.dump(status, handle)


if __name__ == "__main__":
    main()
