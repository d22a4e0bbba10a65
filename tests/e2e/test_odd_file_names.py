"""A workspace holding a file whose name is not UTF-8 is cross-checked normally, listed by git
or by a walk."""

import os
import shutil
import subprocess

import pytest

from tests.e2e.scripts import FIXED, VARIANT, check_json, script_fix_and_bug
from tests.hardening.cases import FIXTURES


@pytest.mark.parametrize("listing", ["walk", "git"])
def test_a_file_name_that_is_not_utf8_does_not_stop_a_cross_check(
    fake_providers, tmp_path, listing
):
    workspace = tmp_path / "ws"
    shutil.copytree(FIXTURES, workspace)
    with open(os.path.join(os.fsencode(workspace), b"caf\xe9-notes.txt"), "w") as handle:
        handle.write("latin-1 name\n")
    if listing == "git":
        subprocess.run(["git", "init", "-q"], cwd=workspace, check=True)
    script_fix_and_bug(fake_providers, FIXED, VARIANT)
    report = check_json(fake_providers, workspace / "windows.py", "1-7", tmp_path)
    runs = {e["proposal"]: e for e in report["executions"]}
    assert runs["claude"]["status"] == "ran" and runs["claude"]["failed"] == 0, runs["claude"]
    assert runs["gpt"]["failed"] > 0, runs["gpt"]
    assert report["execution"]["snapshot"]["files"] >= 5
