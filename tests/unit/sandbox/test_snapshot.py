import hashlib
import json
import os
import shutil
import subprocess

import pytest

from counterpoint.sandbox.snapshot import (
    WorkspaceSnapshot,
    link_dependencies,
    stage_files,
)
from counterpoint.workspace import find_project_root


def make_tree(root):
    (root / "pkg").mkdir(parents=True)
    (root / "pkg" / "mod.py").write_text("X = 1\n")
    (root / "README.md").write_text("hi\n")
    for skipped in (".venv/lib", "node_modules/x", "__pycache__", ".git/objects"):
        (root / skipped).mkdir(parents=True)
        (root / skipped / "junk.txt").write_text("junk\n")


def test_refresh_copies_the_workspace_without_vcs_venvs_or_caches(tmp_path):
    root = tmp_path / "ws"
    make_tree(root)
    snapshot = WorkspaceSnapshot(root, tmp_path / "store")
    stats = snapshot.refresh()
    assert snapshot.files == ["README.md", "pkg/mod.py"]
    assert (stats.files, stats.copied) == (2, 2)
    assert (snapshot.base / "pkg" / "mod.py").read_text() == "X = 1\n"
    # Copies, not links: nothing done to the snapshot can reach the user's files.
    assert (snapshot.base / "pkg" / "mod.py").stat().st_ino != (
        root / "pkg" / "mod.py"
    ).stat().st_ino


def test_refresh_is_incremental(tmp_path):
    root = tmp_path / "ws"
    make_tree(root)
    snapshot = WorkspaceSnapshot(root, tmp_path / "store")
    snapshot.refresh()
    assert snapshot.refresh().copied == 0
    (root / "pkg" / "mod.py").write_text("X = 22\n")
    (root / "README.md").unlink()
    (root / "new.py").write_text("Y = 2\n")
    stats = snapshot.refresh()
    assert (stats.copied, stats.removed) == (2, 1)
    assert snapshot.files == ["new.py", "pkg/mod.py"]
    assert (snapshot.base / "pkg" / "mod.py").read_text() == "X = 22\n"


def test_git_workspaces_leave_out_ignored_files(tmp_path):
    root = tmp_path / "ws"
    make_tree(root)
    (root / ".gitignore").write_text("secret.txt\n")
    (root / "secret.txt").write_text("s\n")
    subprocess.run(["git", "init", "-q"], cwd=root, check=True)
    snapshot = WorkspaceSnapshot(root, tmp_path / "store")
    snapshot.refresh()
    assert "secret.txt" not in snapshot.files and "pkg/mod.py" in snapshot.files


def test_a_runs_own_files_are_staged_beside_the_base_never_in_it(tmp_path):
    root = tmp_path / "ws"
    make_tree(root)
    snapshot = WorkspaceSnapshot(root, tmp_path / "store")
    snapshot.refresh()
    stage = tmp_path / "stage"
    stage_files(stage, {"pkg/mod.py": "X = 3\n"})
    assert (stage / "pkg" / "mod.py").read_text() == "X = 3\n"
    assert (snapshot.base / "pkg" / "mod.py").read_text() == "X = 1\n"
    assert (root / "pkg" / "mod.py").read_text() == "X = 1\n"
    for bad in ("../escape.py", "/etc/passwd", "a/../../b"):
        with pytest.raises(ValueError):
            stage_files(stage, {bad: "x"})
    assert not (tmp_path / "escape.py").exists()


def test_project_root_is_the_nearest_marked_folder(tmp_path):
    (tmp_path / "proj" / "src" / "pkg").mkdir(parents=True)
    (tmp_path / "proj" / "pyproject.toml").write_text("")
    assert find_project_root(tmp_path / "proj" / "src" / "pkg" / "m.py") == tmp_path / "proj"


def test_a_new_process_refreshes_incrementally_from_the_saved_manifest(tmp_path):
    root = tmp_path / "ws"
    make_tree(root)
    WorkspaceSnapshot(root, tmp_path / "store").refresh()
    again = WorkspaceSnapshot(root, tmp_path / "store")
    assert again.files == ["README.md", "pkg/mod.py"]
    assert again.refresh().copied == 0


def test_a_folder_that_is_no_project_is_copied_shallowly(tmp_path):
    loose = tmp_path / "downloads"
    (loose / "tests").mkdir(parents=True)
    (loose / "deep" / "er").mkdir(parents=True)
    (loose / "f.py").write_text("X = 1\n")
    (loose / "tests" / "test_f.py").write_text("def test(): pass\n")
    (loose / "deep" / "er" / "big.bin").write_text("never copied\n")
    snapshot = WorkspaceSnapshot(loose, tmp_path / "store")
    snapshot.refresh()
    assert snapshot.files == ["f.py", "tests/test_f.py"]


def test_cargo_build_output_is_left_out_only_beside_a_cargo_toml(tmp_path):
    root = tmp_path / "ws"
    (root / "crate" / "src").mkdir(parents=True)
    (root / "crate" / "Cargo.toml").write_text("[package]\n")
    (root / "crate" / "src" / "lib.rs").write_text("\n")
    (root / "crate" / "target" / "debug").mkdir(parents=True)
    (root / "crate" / "target" / "debug" / "big.rlib").write_text("x")
    (root / "py" / "target").mkdir(parents=True)  # a folder merely named target stays
    (root / "py" / "target" / "mod.py").write_text("\n")
    snapshot = WorkspaceSnapshot(root / "crate", tmp_path / "store")
    snapshot.refresh()
    assert snapshot.files == ["Cargo.toml", "src/lib.rs"]
    (root / "pyproject.toml").write_text("")
    whole = WorkspaceSnapshot(root, tmp_path / "store2")
    whole.refresh()
    assert whole.files == [
        "crate/Cargo.toml",
        "crate/src/lib.rs",
        "py/target/mod.py",
        "pyproject.toml",
    ]
    subprocess.run(["git", "init", "-q", str(root)], check=True)  # git's listing too
    tracked = WorkspaceSnapshot(root, tmp_path / "store3")
    tracked.refresh()
    assert tracked.files == whole.files


def test_dependencies_are_linked_entry_by_entry_and_caches_stay_in_the_run(tmp_path):
    modules = tmp_path / "ws" / "node_modules"
    for entry in ("vitest", "@scope/pkg", ".bin", ".vite/vitest", ".cache"):
        (modules / entry).mkdir(parents=True)
    (modules / "vitest" / "index.js").write_text("//\n")
    run = tmp_path / "run"
    link_dependencies(
        run, {"node_modules": str(modules), "gone/node_modules": str(tmp_path / "no")}
    )
    linked = run / "node_modules"
    assert linked.is_dir() and not linked.is_symlink()
    assert sorted(os.listdir(linked)) == [".bin", "@scope", "vitest"]
    assert (linked / "vitest").is_symlink() and (linked / "vitest" / "index.js").exists()
    # A tool's cache made in the run's node_modules is the run's own.
    (linked / ".vite").mkdir()
    assert sorted(os.listdir(modules)) == [".bin", ".cache", ".vite", "@scope", "vitest"]
    (linked / ".vite" / "results.json").write_text("{}")
    assert os.listdir(modules / ".vite") == ["vitest"]
    assert not (run / "gone").exists()


def test_the_fingerprint_changes_with_any_other_file_but_not_the_target(tmp_path):
    root = tmp_path / "ws"
    root.mkdir()
    (root / "target.py").write_text("x = 1\n")
    (root / "helper.py").write_text("y = 1\n")
    snapshot = WorkspaceSnapshot(root, tmp_path / "store")
    snapshot.refresh()
    before = snapshot.fingerprint(exclude="target.py")

    (root / "target.py").write_text("x = 22\n")
    snapshot.refresh()
    assert snapshot.fingerprint(exclude="target.py") == before

    (root / "helper.py").write_text("y = 22\n")
    snapshot.refresh()
    assert snapshot.fingerprint(exclude="target.py") != before
    other_root = WorkspaceSnapshot(tmp_path, tmp_path / "store")
    assert other_root.fingerprint() != snapshot.fingerprint()


def test_a_link_whose_target_changes_is_remade(tmp_path):
    root = tmp_path / "ws"
    make_tree(root)
    (root / "pkg" / "other.py").write_text("X = 2\n")
    (root / "alias.py").symlink_to("pkg/mod.py")
    snapshot = WorkspaceSnapshot(root, tmp_path / "store")
    snapshot.refresh()
    before = snapshot.fingerprint()
    (root / "alias.py").unlink()
    (root / "alias.py").symlink_to("pkg/other.py")
    assert snapshot.refresh().copied == 1
    assert os.readlink(snapshot.base / "alias.py") == "pkg/other.py"
    assert snapshot.fingerprint() != before
    assert snapshot.refresh().copied == 0


def test_a_link_replaced_by_a_file_and_back(tmp_path):
    root = tmp_path / "ws"
    make_tree(root)
    (root / "alias.py").symlink_to("pkg/mod.py")
    snapshot = WorkspaceSnapshot(root, tmp_path / "store")
    snapshot.refresh()
    (root / "alias.py").unlink()
    (root / "alias.py").write_text("Y = 1\n")
    assert snapshot.refresh().copied == 1
    assert not (snapshot.base / "alias.py").is_symlink()
    assert (snapshot.base / "alias.py").read_text() == "Y = 1\n"
    assert (snapshot.base / "pkg" / "mod.py").read_text() == "X = 1\n"  # not written through
    (root / "alias.py").unlink()
    (root / "alias.py").symlink_to("pkg/mod.py")
    assert snapshot.refresh().copied == 1
    assert os.readlink(snapshot.base / "alias.py") == "pkg/mod.py"


def test_a_folder_replaced_by_a_link_and_back(tmp_path):
    root = tmp_path / "ws"
    make_tree(root)
    (root / "lib").mkdir()
    (root / "lib" / "mod.py").write_text("LIB = 1\n")
    snapshot = WorkspaceSnapshot(root, tmp_path / "store")
    snapshot.refresh()
    shutil.rmtree(root / "lib")
    (root / "lib").symlink_to("pkg")
    stats = snapshot.refresh()
    assert (stats.copied, stats.removed) == (1, 1)
    assert snapshot.files == ["README.md", "lib", "pkg/mod.py"]
    assert os.readlink(snapshot.base / "lib") == "pkg"
    (root / "lib").unlink()
    (root / "lib").mkdir()
    (root / "lib" / "mod.py").write_text("LIB = 2\n")
    snapshot.refresh()
    assert snapshot.files == ["README.md", "lib/mod.py", "pkg/mod.py"]
    assert not (snapshot.base / "lib").is_symlink()
    # The new file went into a real folder, not through the old link into pkg/.
    assert (snapshot.base / "lib" / "mod.py").read_text() == "LIB = 2\n"
    assert (snapshot.base / "pkg" / "mod.py").read_text() == "X = 1\n"


def test_a_manifest_in_the_old_format_is_read_and_its_files_recopied(tmp_path):
    root = tmp_path / "ws"
    make_tree(root)
    snapshot = WorkspaceSnapshot(root, tmp_path / "store")
    snapshot.refresh()
    (snapshot.home / "manifest.json").write_text(
        json.dumps({"README.md": [1, 3, 1, 3], "pkg/mod.py": [1, 6, 1, 6], "gone.py": [1, 1, 1, 1]})
    )
    again = WorkspaceSnapshot(root, tmp_path / "store")
    assert again.files == ["README.md", "gone.py", "pkg/mod.py"]
    stats = again.refresh()
    assert (stats.copied, stats.removed) == (2, 1)
    assert again.files == ["README.md", "pkg/mod.py"]
    assert WorkspaceSnapshot(root, tmp_path / "store").refresh().copied == 0


def test_a_copy_whose_times_alone_changed_is_hashed_once_and_not_recopied(tmp_path, monkeypatch):
    root = tmp_path / "ws"
    make_tree(root)
    snapshot = WorkspaceSnapshot(root, tmp_path / "store")
    snapshot.refresh()
    os.utime(snapshot.base / "README.md", ns=(1, 1))
    assert snapshot.refresh().copied == 0
    assert (snapshot.base / "README.md").read_text() == "hi\n"
    hashed = []
    real_sha256 = hashlib.sha256
    monkeypatch.setattr(hashlib, "sha256", lambda *a: hashed.append(a) or real_sha256(*a))
    assert snapshot.refresh().copied == 0
    assert hashed == []  # an unchanged refresh reads no file


def test_a_tracked_folder_turned_into_a_link_is_neither_read_nor_emptied_through_it(tmp_path):
    root = tmp_path / "ws"
    make_tree(root)
    shutil.rmtree(root / ".git")
    (root / "lib").mkdir()
    (root / "lib" / "mod.py").write_text("LIB = 1\n")
    subprocess.run(["git", "init", "-q"], cwd=root, check=True)
    subprocess.run(["git", "add", "-A"], cwd=root, check=True)
    snapshot = WorkspaceSnapshot(root, tmp_path / "store")
    snapshot.refresh()
    # Not committed: git still lists lib/mod.py (from its index) beside the new link lib.
    shutil.rmtree(root / "lib")
    (root / "lib").symlink_to("pkg")
    stats = snapshot.refresh()
    assert snapshot.files == ["README.md", "lib", "pkg/mod.py"]
    assert any(note.startswith("lib/mod.py:") for note in stats.skipped)
    assert os.readlink(snapshot.base / "lib") == "pkg"
    # Dropping the old lib/mod.py did not unlink pkg/mod.py through the new link.
    assert (snapshot.base / "pkg" / "mod.py").read_text() == "X = 1\n"


def test_an_executable_file_stays_executable_in_the_copy(tmp_path):
    root = tmp_path / "ws"
    make_tree(root)
    (root / "run.sh").write_text("#!/bin/sh\necho hi\n")
    (root / "run.sh").chmod(0o755)
    snapshot = WorkspaceSnapshot(root, tmp_path / "store")
    snapshot.refresh()
    assert os.access(snapshot.base / "run.sh", os.X_OK)
    assert not os.access(snapshot.base / "README.md", os.X_OK)
