"""The seccomp filter every sandboxed process runs under, built with libseccomp (pyseccomp).

Defence in depth: bubblewrap already drops every capability and forbids new user namespaces,
so these calls fail anyway. The filter makes them fail even if a kernel bug or a missed flag
left a capability behind. Everything else is allowed: test runners need a normal system.
"""

from __future__ import annotations

import errno
import functools
import tempfile

# Calls no test needs and an escape would: the mount family, namespace changes, tracing other
# processes, kernel keyrings, BPF programs, performance counters, modules and the like.
REFUSED = (
    # mounts (the read-only view and the allow-list live in mounts)
    "mount", "umount2", "mount_setattr", "move_mount", "open_tree", "fsopen", "fsconfig",
    "fsmount", "fspick", "pivot_root", "chroot",
    # namespaces
    "setns", "unshare",
    # other processes' memory
    "ptrace", "process_vm_readv", "process_vm_writev", "kcmp", "pidfd_getfd",
    # kernel attack surface
    "bpf", "perf_event_open", "userfaultfd", "keyctl", "add_key", "request_key",
    "name_to_handle_at", "open_by_handle_at", "lookup_dcookie", "iopl", "ioperm",
    "kexec_load", "kexec_file_load", "init_module", "finit_module", "delete_module",
    "swapon", "swapoff", "reboot", "acct", "quotactl", "syslog", "vhangup",
    # io_uring: a large attack surface of its own, and its operations bypass this filter
    # (Docker refuses it too); libuv and the like fall back to plain calls
    "io_uring_setup", "io_uring_enter", "io_uring_register",
)  # fmt: skip

# clone() flags that make namespaces; clone3 hides its flags in memory a filter cannot read,
# so clone3 answers ENOSYS and libc falls back to clone(), whose flags the filter does see.
CLONE_NAMESPACE_FLAGS = {
    "CLONE_NEWNS": 0x00020000,
    "CLONE_NEWCGROUP": 0x02000000,
    "CLONE_NEWUTS": 0x04000000,
    "CLONE_NEWIPC": 0x08000000,
    "CLONE_NEWUSER": 0x10000000,
    "CLONE_NEWPID": 0x20000000,
    "CLONE_NEWNET": 0x40000000,
}


class SeccompUnavailable(RuntimeError):
    """libseccomp (or its Python binding) is missing: the filter cannot be built."""


@functools.cache
def filter_program() -> bytes:
    """The filter as a BPF program, for bubblewrap's `--seccomp FD`."""
    try:
        import pyseccomp as seccomp
    except (ImportError, RuntimeError) as error:  # RuntimeError: libseccomp.so is missing
        raise SeccompUnavailable(f"libseccomp is not available: {error}") from error
    refuse = seccomp.ERRNO(errno.EPERM)
    rules = seccomp.SyscallFilter(seccomp.ALLOW)
    for name in REFUSED:
        try:
            rules.add_rule(refuse, name)
        except (OSError, ValueError, RuntimeError):
            continue  # a call this architecture does not have
    rules.add_rule(seccomp.ERRNO(errno.ENOSYS), "clone3")
    for flag in CLONE_NAMESPACE_FLAGS.values():
        rules.add_rule(refuse, "clone", seccomp.Arg(0, seccomp.MASKED_EQ, flag, flag))
    with tempfile.TemporaryFile() as out:  # libseccomp writes to a file descriptor
        rules.export_bpf(out)
        out.seek(0)
        return out.read()
