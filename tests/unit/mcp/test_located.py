"""Where an MCP call's file is, and whether the client's roots allow it."""

from __future__ import annotations

import pytest

from counterpoint.mcp.tools import located
from counterpoint.model.request import RequestError


def test_without_roots_a_relative_file_starts_at_the_servers_folder(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert located("a.py", []) == (tmp_path / "a.py", None)


def test_a_file_is_found_in_the_deepest_root_holding_it(tmp_path):
    inner = tmp_path / "packages" / "inner"
    inner.mkdir(parents=True)
    assert located(str(inner / "a.py"), [tmp_path, inner]) == (inner / "a.py", inner)
    assert located("packages/inner/a.py", [tmp_path, inner]) == (
        tmp_path / "packages/inner/a.py",
        inner,
    )


@pytest.mark.parametrize("file", ["/etc/passwd", "../outside.py", "{root}/link/secret.py"])
def test_a_file_outside_every_root_is_refused_even_through_a_link(tmp_path, file):
    root, outside = tmp_path / "root", tmp_path / "elsewhere"
    root.mkdir()
    outside.mkdir()
    (root / "link").symlink_to(outside, target_is_directory=True)
    with pytest.raises(RequestError, match="outside the workspace roots the client gave"):
        located(file.format(root=root), [root])
