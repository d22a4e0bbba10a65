"""The MCP Inspector's CLI mode (npm @modelcontextprotocol/inspector, installed in
tests/e2e/fixtures/mcp_inspector by `.ci/run`) against `counterpoint mcp` and the HTTP fake:
offline, as another implementation of the protocol than the Python SDK's client."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from tests.e2e.node_fixtures import installed
from tests.e2e.scripts import FIXED, script_disagreement

FIXTURE = Path(__file__).parent / "fixtures" / "windows_project" / "windows.py"
PACKAGE = "@modelcontextprotocol/inspector"


def inspector(
    tmp_path: Path, server_env: dict[str, str], *args: str
) -> subprocess.CompletedProcess[str]:
    """`mcp-inspector --cli <counterpoint mcp> ARGS`. The Inspector starts the server with a
    minimal environment of its own, so the server's variables go as `-e` (as an agent's MCP
    configuration gives them)."""
    project = installed("mcp_inspector", PACKAGE)
    variables = [part for name, value in server_env.items() for part in ("-e", f"{name}={value}")]
    home = tmp_path / "home"  # the Inspector's catalog and npm's files, not the user's
    home.mkdir(exist_ok=True)
    return subprocess.run(
        [
            str(project / "node_modules" / ".bin" / "mcp-inspector"),
            "--cli",
            *variables,
            sys.executable,
            "-m",
            "counterpoint",
            "mcp",
            *args,
        ],
        cwd=project,
        env={"PATH": os.environ["PATH"], "HOME": str(home), "npm_config_update_notifier": "false"},
        capture_output=True,
        text=True,
        timeout=120,
    )


def server_env(fake_providers, tmp_path: Path) -> dict[str, str]:
    return {
        **fake_providers.env(),
        "COUNTERPOINT_CACHE_DIR": str(tmp_path / "cache"),
        "PATH": os.environ["PATH"],  # the tests' interpreter, found as python3 (tests/conftest.py)
    }


def test_the_inspector_lists_both_tools_and_calls_cross_check(fake_providers, tmp_path):
    env = server_env(fake_providers, tmp_path)
    listed = inspector(tmp_path, env, "--method", "tools/list")
    assert listed.returncode == 0, listed.stderr
    tools = {tool["name"]: tool for tool in json.loads(listed.stdout)["tools"]}
    assert sorted(tools) == ["cross_check", "review"]
    assert tools["cross_check"]["annotations"]["readOnlyHint"] is True
    assert "recommended_code" in tools["cross_check"]["outputSchema"]["properties"]

    script_disagreement(fake_providers)
    called = inspector(
        tmp_path,
        env,
        "--method",
        "tools/call",
        "--tool-name",
        "cross_check",
        "--tool-arg",
        f"file={FIXTURE}",
        "lines=1-7",
        "instruction=fix the off-by-one",
    )
    assert called.returncode == 0, called.stderr
    result = json.loads(called.stdout)
    assert not result.get("isError")
    content = result["structuredContent"]
    assert content["recommended"] == "claude" and content["recommended_code"] == FIXED
    runs = {run["version"]: run for run in content["tests"]}
    assert runs["gpt"]["regressions"] == [
        "tests/test_windows.py::test_window_larger_than_list_has_no_sums"
    ]
    assert len(fake_providers.accepted) == 4


def test_the_inspector_sees_bad_input_as_a_tool_error(fake_providers, tmp_path):
    missing = tmp_path / "missing.py"
    called = inspector(
        tmp_path,
        server_env(fake_providers, tmp_path),
        "--method",
        "tools/call",
        "--tool-name",
        "review",
        "--tool-arg",
        f"file={missing}",
        "lines=1-2",
    )
    assert called.returncode != 0  # the Inspector exits non-zero on isError
    result = json.loads(called.stdout)
    assert result["isError"] is True
    assert result["content"][0]["text"] == f"counterpoint: error: no such file: {missing}"
    assert fake_providers.requests == []
