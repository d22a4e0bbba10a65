"""Answering a question writes into the workspace's conventional test file: an attacker's
repository makes that file a link out of the workspace (existing or dangling), a FIFO or a
folder, or makes it too big to read. The answer is refused with a reason, and nothing is
written anywhere."""

import os

import pytest
from lsprotocol import types

from tests.e2e.conftest import started_client, whole_lines
from tests.e2e.test_crosscheck import cross_check
from tests.e2e.test_expectations import off_by_one_project, script_off_by_one_dispute
from tests.e2e.test_questions import (
    CLAUDE_RIGHT,
    edits_written_to_disk,
    open_document,
    quick_fixes,
    run,
)


def link_out(test_file, outside):
    outside.write_text("# someone else's file\n")
    test_file.symlink_to(outside)


def dangling_link_out(test_file, outside):
    test_file.symlink_to(outside)


def fifo(test_file, outside):
    os.mkfifo(test_file)


def folder(test_file, outside):
    test_file.mkdir()


def too_big(test_file, outside):
    test_file.write_text("x = 1\n" * 400_000)  # over the 1 MB the server reads


@pytest.mark.parametrize("make", [link_out, dangling_link_out, fifo, folder, too_big])
async def test_an_unusable_test_file_is_refused_and_nothing_is_written(
    fake_providers, tmp_path, make
):
    target = off_by_one_project(tmp_path)
    test_file = target.parent / "tests" / "test_counting.py"
    test_file.unlink()
    outside = tmp_path / "outside.py"
    make(test_file, outside)
    before = test_file.read_bytes() if make is too_big else None
    script_off_by_one_dispute(fake_providers)
    async with started_client(fake_providers, tmp_path, root=target.parent) as client:
        uri = open_document(client, target)
        summary = await cross_check(client, uri, whole_lines(0, 2), "fix the bound")
        assert summary["confidence"]["label"] == "disputed"
        claude = next(a for a in await quick_fixes(client, uri) if a.title == CLAUDE_RIGHT)
        applied = edits_written_to_disk(client) if make not in (fifo, folder) else []
        if make in (fifo, folder):
            # An editor would hang on the FIFO or fail on the folder: record, do not apply.
            @client.feature(types.WORKSPACE_APPLY_EDIT)
            def on_apply_edit(params):
                applied.append(params)
                return types.ApplyWorkspaceEditResult(applied=False)

        with pytest.raises(Exception, match=r"tests/test_counting\.py") as refused:
            await run(client, claude)
        assert "cannot write" in str(refused.value)
        assert applied == []
    if make is link_out:
        assert outside.read_text() == "# someone else's file\n"
    if make is dangling_link_out:
        assert not outside.exists()
    if make is too_big:
        assert test_file.read_bytes() == before
