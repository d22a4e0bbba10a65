"""The workspace is untrusted (a cloned repository): its symlinks, FIFOs and sockets must not lead
the snapshot to read anything outside it or to hang, and a run that rewrote the base copy in place
must not go unnoticed."""

from __future__ import annotations

import json
import os
import shutil
import socket
import stat
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from counterpoint.sandbox.snapshot import WorkspaceSnapshot
from tests.e2e.scripts import ACCEPT, FIXED, run_check
from tests.fakes.providers import Reply
from tests.hardening.cases import FIXTURES

ANTHROPIC_KEY = "sk-ant-api03-snapshotCanaryA1b2C3d4E5f6G7h8I9j0kLmNoPqRsTuVwXyZ-0123456789AA"
OPENAI_KEY = "sk-proj-snapshotCanaryZz9Yy8Xx7Ww6Vv5Uu4Tt3Ss2Rr1Qq0Pp9Oo8Nn7Mm6Ll5Kk4Jj3Ii2"
PRIVATE_KEY = "-----BEGIN OPENSSH PRIVATE KEY----- snapshot-canary-b3BlbnNzaC1rZXktdjEAAAAA"

# Refreshes the snapshot in a child process and prints what it left out. A child because
# /proc/self/environ holds the environment a process started with, not later os.environ changes,
# and because a refresh that hangs on a FIFO can be killed there.
REFRESH = textwrap.dedent(
    """
    import json, sys
    from pathlib import Path
    from counterpoint.sandbox.snapshot import WorkspaceSnapshot
    stats = WorkspaceSnapshot(Path(sys.argv[1]), Path(sys.argv[2])).refresh()
    print(json.dumps(list(stats.skipped)))
    """
)


@pytest.fixture(params=["walk", "git"])
def listing(request) -> str:
    """Both ways the snapshot lists a workspace: a walk, and git's index plus untracked files."""
    return request.param


def make_workspace(tmp_path: Path, listing: str) -> Path:
    root = tmp_path / "ws"
    (root / "pkg").mkdir(parents=True)
    (root / "pyproject.toml").write_text("[project]\nname = 'ws'\n")
    (root / "pkg" / "mod.py").write_text("X = 1\n")
    return root


def track(root: Path, listing: str) -> None:
    """For the git listing, commit-like: everything in the index, as a cloned repo has it."""
    if listing == "git":
        subprocess.run(["git", "init", "-q"], cwd=root, check=True)
        subprocess.run(["git", "add", "-A"], cwd=root, check=True)


def outside_secret(tmp_path: Path) -> Path:
    secret = tmp_path / "home" / ".ssh" / "id_rsa"
    secret.parent.mkdir(parents=True)
    secret.write_text(PRIVATE_KEY + "\n")
    return secret


def files_holding(store: Path, needle: str) -> list[str]:
    """Every regular file under the store (manifest included) whose bytes contain `needle`."""
    found = []
    for folder, _, names in os.walk(store):
        for name in names:
            path = os.path.join(folder, name)
            if stat.S_ISREG(os.lstat(path).st_mode) and needle.encode() in Path(path).read_bytes():
                found.append(path)
    return found


def refresh_in_child(root: Path, store: Path) -> list[str]:
    result = subprocess.run(
        [sys.executable, "-c", REFRESH, str(root), str(store)],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def noted(skipped: tuple[str, ...] | list[str], rel: str) -> bool:
    return any(note.startswith(f"{rel}:") for note in skipped)


def test_a_link_to_proc_self_environ_puts_no_key_in_the_store(tmp_path, monkeypatch, listing):
    root = make_workspace(tmp_path, listing)
    (root / "data").mkdir()
    (root / "data" / "env.txt").symlink_to("/proc/self/environ")
    track(root, listing)
    monkeypatch.setenv("ANTHROPIC_API_KEY", ANTHROPIC_KEY)
    store = tmp_path / "store"
    try:
        skipped = refresh_in_child(root, store)
    finally:
        assert files_holding(store, ANTHROPIC_KEY) == []
    assert WorkspaceSnapshot(root, store).files == ["pkg/mod.py", "pyproject.toml"]
    assert noted(skipped, "data/env.txt")


@pytest.mark.parametrize("how", ["absolute", "relative"])
def test_a_link_to_a_file_outside_the_root_is_left_out(tmp_path, listing, how):
    root = make_workspace(tmp_path, listing)
    secret = outside_secret(tmp_path)
    (root / "notes.txt").symlink_to(
        secret if how == "absolute" else Path("..", "home", ".ssh", "id_rsa")
    )
    track(root, listing)
    snapshot = WorkspaceSnapshot(root, tmp_path / "store")
    stats = snapshot.refresh()
    assert files_holding(tmp_path / "store", PRIVATE_KEY) == []
    assert snapshot.files == ["pkg/mod.py", "pyproject.toml"]
    assert noted(stats.skipped, "notes.txt")


def test_a_link_chain_that_leaves_the_root_is_left_out(tmp_path, listing):
    root = make_workspace(tmp_path, listing)
    secret = outside_secret(tmp_path)
    (root / "first.txt").symlink_to("pkg/second.txt")
    (root / "pkg" / "second.txt").symlink_to("../third.txt")
    (root / "third.txt").symlink_to(secret)
    track(root, listing)
    snapshot = WorkspaceSnapshot(root, tmp_path / "store")
    stats = snapshot.refresh()
    assert files_holding(tmp_path / "store", PRIVATE_KEY) == []
    assert snapshot.files == ["pkg/mod.py", "pyproject.toml"]
    assert all(noted(stats.skipped, rel) for rel in ("first.txt", "pkg/second.txt", "third.txt"))


def test_a_link_through_proc_is_left_out_even_when_it_comes_back_into_the_root(
    tmp_path, monkeypatch, listing
):
    root = make_workspace(tmp_path, listing)
    monkeypatch.chdir(root)  # /proc/self/cwd is then the root itself
    (root / "same.py").symlink_to("/proc/self/cwd/pkg/mod.py")
    track(root, listing)
    snapshot = WorkspaceSnapshot(root, tmp_path / "store")
    stats = snapshot.refresh()
    assert snapshot.files == ["pkg/mod.py", "pyproject.toml"]
    assert noted(stats.skipped, "same.py")


def test_an_absolute_link_inside_the_root_stays_a_relative_link(tmp_path, listing):
    root = make_workspace(tmp_path, listing)
    (root / "tests").mkdir()
    (root / "tests" / "mod_alias.py").symlink_to(root / "pkg" / "mod.py")
    (root / "relative_alias.py").symlink_to("pkg/mod.py")
    track(root, listing)
    snapshot = WorkspaceSnapshot(root, tmp_path / "store")
    snapshot.refresh()
    assert snapshot.files == [
        "pkg/mod.py",
        "pyproject.toml",
        "relative_alias.py",
        "tests/mod_alias.py",
    ]
    # The workspace's path is not visible inside the sandbox: the link must be relative.
    alias = snapshot.base / "tests" / "mod_alias.py"
    assert alias.is_symlink() and os.readlink(alias) == "../pkg/mod.py"
    assert os.readlink(snapshot.base / "relative_alias.py") == "pkg/mod.py"
    assert alias.read_text() == "X = 1\n"


def test_a_symlinked_folder_inside_the_root_stays_a_link(tmp_path, listing):
    root = make_workspace(tmp_path, listing)
    (root / "lib").symlink_to("pkg")
    track(root, listing)
    snapshot = WorkspaceSnapshot(root, tmp_path / "store")
    snapshot.refresh()
    assert snapshot.files == ["lib", "pkg/mod.py", "pyproject.toml"]
    assert os.readlink(snapshot.base / "lib") == "pkg"
    assert (snapshot.base / "lib" / "mod.py").read_text() == "X = 1\n"


def test_a_symlinked_folder_pointing_outside_is_left_out(tmp_path, listing):
    root = make_workspace(tmp_path, listing)
    secret = outside_secret(tmp_path)
    (root / "vendor").symlink_to(secret.parent)
    track(root, listing)
    snapshot = WorkspaceSnapshot(root, tmp_path / "store")
    stats = snapshot.refresh()
    assert files_holding(tmp_path / "store", PRIVATE_KEY) == []
    assert snapshot.files == ["pkg/mod.py", "pyproject.toml"]
    assert noted(stats.skipped, "vendor")


def test_a_loose_folders_test_folder_linking_outside_is_not_walked(tmp_path):
    loose = tmp_path / "downloads"
    loose.mkdir()
    (loose / "f.py").write_text("X = 1\n")
    secret = outside_secret(tmp_path)
    (loose / "tests").symlink_to(secret.parent)
    snapshot = WorkspaceSnapshot(loose, tmp_path / "store")
    stats = snapshot.refresh()
    assert files_holding(tmp_path / "store", PRIVATE_KEY) == []
    assert snapshot.files == ["f.py"]
    assert noted(stats.skipped, "tests")


def test_a_dangling_link_is_left_out_with_a_note(tmp_path, listing):
    root = make_workspace(tmp_path, listing)
    (root / "gone.py").symlink_to("pkg/never.py")
    track(root, listing)
    snapshot = WorkspaceSnapshot(root, tmp_path / "store")
    stats = snapshot.refresh()
    assert snapshot.files == ["pkg/mod.py", "pyproject.toml"]
    assert noted(stats.skipped, "gone.py")


def make_fifo(root: Path) -> str:
    os.mkfifo(root / "pipe")
    return "pipe"


def make_socket(root: Path) -> str:
    server = socket.socket(socket.AF_UNIX)
    cwd = os.getcwd()
    os.chdir(root)  # a relative bind: tmp_path may be longer than a socket path may be
    try:
        server.bind("sock")
    finally:
        os.chdir(cwd)
    server.close()  # the socket file stays
    return "sock"


def make_link_to_fifo(root: Path) -> str:
    os.mkfifo(root / "pkg" / "pipe")
    (root / "pipe_alias").symlink_to("pkg/pipe")
    return "pipe_alias"


def make_link_to_a_device(root: Path) -> str:
    (root / "zeros").symlink_to("/dev/zero")
    return "zeros"


@pytest.mark.parametrize(
    "make",
    [make_fifo, make_socket, make_link_to_fifo, make_link_to_a_device],
    ids=lambda m: m.__name__,
)
def test_fifos_sockets_and_devices_are_left_out_promptly(tmp_path, listing, make):
    root = make_workspace(tmp_path, listing)
    rel = make(root)
    track(root, listing)
    store = tmp_path / "store"
    skipped = refresh_in_child(root, store)  # a hang is killed after 30 s and fails here
    files = WorkspaceSnapshot(root, store).files
    assert rel not in files and "pkg/mod.py" in files
    git_lists_it = make not in (make_fifo, make_socket)  # git lists no FIFO or socket at all
    assert noted(skipped, rel) or (listing == "git" and not git_lists_it)


def test_a_base_file_rewritten_in_place_with_its_times_set_back_is_recopied(tmp_path):
    root = make_workspace(tmp_path, "walk")
    (root / "pkg" / "mod.py").write_text("def answer():\n    return 42\n")
    snapshot = WorkspaceSnapshot(root, tmp_path / "store")
    snapshot.refresh()
    copy = snapshot.base / "pkg" / "mod.py"
    before = copy.stat()
    # What a test can do through its run's hardlink: same size, same times, other content.
    with open(copy, "r+b") as handle:
        handle.write(b"def answer():\n    return 41\n")
    os.utime(copy, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert (copy.stat().st_size, copy.stat().st_mtime_ns) == (before.st_size, before.st_mtime_ns)
    assert snapshot.refresh().copied == 1
    assert copy.read_text() == "def answer():\n    return 42\n"


def test_git_listing_runs_no_command_from_the_workspace_git_config(tmp_path):
    root = make_workspace(tmp_path, "git")
    track(root, "git")
    marker = tmp_path / "ran"
    hook = tmp_path / "hook.sh"
    hook.write_text(f"#!/bin/sh\ntouch {marker}\n")
    hook.chmod(0o755)
    # A repository's own .git/config may name a program git runs: fsmonitor is one of them.
    subprocess.run(["git", "config", "core.fsmonitor", str(hook)], cwd=root, check=True)
    snapshot = WorkspaceSnapshot(root, tmp_path / "store")
    snapshot.refresh()
    assert snapshot.files == ["pkg/mod.py", "pyproject.toml"]
    assert not marker.exists()


def test_a_cross_check_of_a_workspace_linking_to_secrets_caches_no_key(fake_providers, tmp_path):
    project = tmp_path / "project"
    shutil.copytree(FIXTURES, project)
    (project / "data").mkdir()
    (project / "data" / "env.txt").symlink_to("/proc/self/environ")
    (project / "notes.txt").symlink_to(outside_secret(tmp_path))
    for provider in ("anthropic", "openai"):
        fake_providers.default(
            provider,
            "submit_proposal",
            Reply.structured({"code": FIXED, "explanation": "", "tests": []}),
        )
        fake_providers.default(provider, "submit_judgment", Reply.structured(ACCEPT))
    env = {**fake_providers.env(), "ANTHROPIC_API_KEY": ANTHROPIC_KEY, "OPENAI_API_KEY": OPENAI_KEY}
    result = run_check(
        env, str(project / "windows.py"), "--lines", "1-8", "--json", tmp_path=tmp_path
    )
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    # The tests ran, so the snapshot was made: the check below looks at a real one.
    assert {e["status"] for e in report["executions"]} == {"ran"}
    cache = tmp_path / "cache"
    assert list(cache.rglob("manifest.json")) and list(cache.rglob("base/windows.py"))
    for secret in (ANTHROPIC_KEY, OPENAI_KEY, PRIVATE_KEY):
        assert files_holding(cache, secret) == []
    assert not list(cache.rglob("env.txt")) and not list(cache.rglob("notes.txt"))
