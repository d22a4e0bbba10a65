"""`counterpoint mcp` as an agent starts it, driven by the MCP SDK's own stdio client, with
both providers pointed at the strict HTTP fake."""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import anyio
import jsonschema
import pytest
from mcp import ClientSession, types
from mcp.client.stdio import StdioServerParameters, stdio_client

from tests.e2e.scripts import FIXED, VARIANT, run_check, script_disagreement

PROJECT = Path(__file__).parent / "fixtures" / "windows_project"
FIXTURE = PROJECT / "windows.py"
LARGER = "tests/test_windows.py::test_window_larger_than_list_has_no_sums"


def mcp_env(fake_env: dict[str, str], tmp_path: Path) -> dict[str, str]:
    clean = {k: v for k, v in os.environ.items() if not k.endswith(("_API_KEY", "_BASE_URL"))}
    return {**clean, **fake_env, "COUNTERPOINT_CACHE_DIR": str(tmp_path / "cache")}


@contextlib.asynccontextmanager
async def mcp_session(
    env: dict[str, str], roots: list[Path] | None = None, cwd: Path | None = None
) -> AsyncIterator[ClientSession]:
    """A started `counterpoint mcp` and an initialized client session on it; with `roots`,
    the client offers them through roots/list."""

    async def list_roots(_context: Any) -> types.ListRootsResult:
        return types.ListRootsResult(
            roots=[types.Root(uri=root.as_uri(), name=root.name) for root in roots or ()]
        )

    server = StdioServerParameters(
        command=sys.executable, args=["-m", "counterpoint", "mcp"], env=env, cwd=cwd
    )
    async with (
        stdio_client(server) as (read, write),
        ClientSession(
            read, write, list_roots_callback=list_roots if roots is not None else None
        ) as session,
    ):
        await session.initialize()
        yield session


def text_of(result: types.CallToolResult) -> str:
    return "\n".join(c.text for c in result.content if isinstance(c, types.TextContent))


async def test_lists_both_tools_read_only_with_input_and_output_schemas(fake_providers, tmp_path):
    async with mcp_session(mcp_env(fake_providers.env(), tmp_path)) as session:
        listed = await session.list_tools()
    tools = {tool.name: tool for tool in listed.tools}
    assert sorted(tools) == ["cross_check", "review"]
    for tool in tools.values():
        assert tool.annotations is not None
        assert tool.annotations.read_only_hint is True
        assert tool.annotations.destructive_hint is False
        assert "worth it" in (tool.description or "")
        assert tool.output_schema is not None
        assert {"label", "recommended_code", "proposals", "tests", "disagreements", "cost"} <= set(
            tool.output_schema["properties"]
        )
    assert tools["cross_check"].input_schema["required"] == ["file", "instruction"]
    assert tools["review"].input_schema["required"] == ["file"]
    assert "instruction" not in tools["review"].input_schema["properties"]
    assert {"lines", "symbol", "expectations", "execute"} <= set(
        tools["cross_check"].input_schema["properties"]
    )
    assert fake_providers.requests == []  # listing costs nothing


async def test_cross_check_gives_the_recommended_code_the_others_failing_test_and_a_counterexample(
    fake_providers, tmp_path
):
    script_disagreement(fake_providers)
    progress: list[tuple[float, str | None]] = []

    async def on_progress(value: float, _total: float | None, message: str | None) -> None:
        progress.append((value, message))

    async with mcp_session(mcp_env(fake_providers.env(), tmp_path)) as session:
        tool = next(t for t in (await session.list_tools()).tools if t.name == "cross_check")
        result = await session.call_tool(
            "cross_check",
            {"file": str(FIXTURE), "lines": "1-7", "instruction": "fix the off-by-one"},
            progress_callback=on_progress,
        )
    assert not result.is_error, text_of(result)
    content = result.structured_content
    assert content is not None
    jsonschema.validate(content, tool.output_schema)

    assert content["label"] == "verified-one"
    assert content["recommended"] == "claude"
    assert content["recommended_code"] == FIXED
    assert {p["id"]: p["code"] for p in content["proposals"]} == {"claude": FIXED, "gpt": VARIANT}
    assert sorted((j["judge"], j["target"], j["verdict"]) for j in content["judgments"]) == [
        ("claude", "gpt", "incorrect"),
        ("gpt", "claude", "correct"),
    ]
    runs = {run["version"]: run for run in content["tests"]}
    assert set(runs) == {"original", "claude", "gpt"}
    assert runs["gpt"]["regressions"] == [LARGER]
    assert [t["id"] for t in runs["gpt"]["failing"]] == [LARGER]
    assert runs["claude"]["failed"] == 0 and runs["claude"]["failing"] == []
    (region,) = content["disagreements"]
    assert region["lines"] == {"start_line": 7, "end_line": 7}
    assert "window_sums([1], 2)" in region["counterexample"]
    assert region["question"]["call"] == "window_sums([1], 2)"
    assert region["question"]["results"] == {"claude": "[]", "gpt": "[1]"}
    assert content["cost"]["session_usd"] >= content["cost"]["request_usd"] >= 0
    # The text for clients without structured content is the report `check` prints.
    assert "Recommended: Claude's proposal" in text_of(result)

    # Progress named each voice's lane and the tests, and only ever went up.
    messages = [message or "" for _, message in progress]
    assert messages[0] == "starting: windows.py, lines 1–7"
    assert any("Claude: writing" in m for m in messages)
    assert any("GPT: judging Claude's proposal" in m for m in messages)
    assert any("tests: running" in m for m in messages)
    assert messages[-1] == "done: verified-one"
    values = [value for value, _ in progress]
    assert values == sorted(set(values))


async def test_review_by_symbol_name_checks_that_definition(fake_providers, tmp_path):
    script_disagreement(fake_providers)
    async with mcp_session(mcp_env(fake_providers.env(), tmp_path)) as session:
        result = await session.call_tool(
            "review", {"file": str(FIXTURE), "symbol": "window_sums", "execute": False}
        )
    assert not result.is_error, text_of(result)
    content = result.structured_content
    assert content is not None
    assert content["lines"] == {"start_line": 1, "end_line": 7}
    assert content["tests"] == []  # execute: false runs no tests
    proposal = next(r for r in fake_providers.accepted if r.kind == "submit_proposal")
    assert "Review this code" in proposal.body["messages"][0]["content"]


BAD_INPUTS = [
    # (arguments, the `check` arguments that print the same line)
    ({"file": "{root}/missing.py", "lines": "1-2"}, ["{root}/missing.py", "--lines", "1-2"]),
    ({"file": "{root}/notes.txt", "lines": "1"}, ["{root}/notes.txt", "--lines", "1"]),
    ({"file": "{root}/.env", "lines": "1"}, ["{root}/.env", "--lines", "1"]),
]


@pytest.mark.parametrize(("arguments", "check_args"), BAD_INPUTS, ids=["no-file", "txt", "env"])
async def test_bad_input_is_a_tool_error_with_the_line_check_prints(
    fake_providers, tmp_path, arguments, check_args
):
    root = tmp_path / "project"
    root.mkdir()
    (root / "pyproject.toml").write_text("")
    (root / "notes.txt").write_text("hello\n")
    (root / ".env").write_text("TOKEN=abc\n")
    env = mcp_env(fake_providers.env(), tmp_path)
    arguments = {k: v.format(root=root) for k, v in arguments.items()}
    expected = run_check(env, *(a.format(root=root) for a in check_args), tmp_path=tmp_path)
    assert expected.returncode == 2
    async with mcp_session(env) as session:
        result = await session.call_tool("review", arguments)
        # The server is still there, and answers the next call.
        assert len((await session.list_tools()).tools) == 2
    assert result.is_error
    assert text_of(result) == expected.stderr.strip()
    assert fake_providers.requests == []


async def test_lines_out_of_range_and_missing_keys_are_tool_errors(fake_providers, tmp_path):
    env = mcp_env(fake_providers.env(), tmp_path)
    async with mcp_session(env) as session:
        out_of_range = await session.call_tool(
            "cross_check", {"file": str(FIXTURE), "lines": "90-99", "instruction": "fix"}
        )
        unknown_symbol = await session.call_tool(
            "review", {"file": str(FIXTURE), "symbol": "no_such_function"}
        )
    assert out_of_range.is_error and unknown_symbol.is_error
    lines_in_file = len(FIXTURE.read_text().splitlines())
    assert text_of(out_of_range) == (
        f"counterpoint: error: lines 90-99 is out of range: the file has {lines_in_file} lines"
    )
    assert text_of(unknown_symbol) == (
        "counterpoint: error: no definition named 'no_such_function' in the file"
    )

    # With a base URL the key may be unset (a local server): without both, it is missing.
    keyless = {k: v for k, v in env.items() if not k.startswith("OPENAI_")}
    expected = run_check(keyless, str(FIXTURE), "--lines", "1-7", tmp_path=tmp_path)
    async with mcp_session(keyless) as session:
        no_key = await session.call_tool("review", {"file": str(FIXTURE), "lines": "1-7"})
    assert no_key.is_error and "OPENAI_API_KEY" in text_of(no_key)
    assert text_of(no_key) == expected.stderr.strip()
    assert fake_providers.requests == []


async def test_a_provider_failure_still_returns_the_other_familys_work_labelled(
    fake_providers, tmp_path
):
    from tests.fakes.providers import Reply

    script_disagreement(fake_providers)
    fake_providers.reset()
    fake_providers.script(
        "anthropic",
        "submit_proposal",
        Reply.structured({"code": FIXED, "explanation": "", "tests": []}),
    )
    fake_providers.default("openai", "submit_proposal", Reply.error(500, "the server broke"))
    fake_providers.default("openai", "submit_judgment", Reply.error(500, "the server broke"))
    async with mcp_session(mcp_env(fake_providers.env(), tmp_path)) as session:
        result = await session.call_tool(
            "cross_check",
            {"file": str(FIXTURE), "lines": "1-7", "instruction": "fix", "execute": False},
        )
    assert not result.is_error, text_of(result)
    content = result.structured_content
    assert content is not None
    assert [p["id"] for p in content["proposals"]] == ["claude"]
    assert content["proposals"][0]["code"] == FIXED
    # GPT neither proposed nor judged Claude's: said so, and Claude's work is still there.
    assert {(f["voice"], f["stage"]) for f in content["failures"]} == {
        ("gpt", "propose"),
        ("gpt", "judge"),
    }
    assert content["label"] == "not-cross-checked", content["reasons"]
    assert not content["proposals"][0]["cross_checked"]


async def test_roots_confine_the_files_and_relative_paths_start_at_the_first_root(
    fake_providers, tmp_path
):
    outside = tmp_path / "elsewhere.py"
    outside.write_text("def f():\n    return 1\n")
    link_root = tmp_path / "linked"
    link_root.mkdir()
    (link_root / "escape.py").symlink_to(outside)
    env = mcp_env(fake_providers.env(), tmp_path)
    script_disagreement(fake_providers)
    async with mcp_session(env, roots=[PROJECT, link_root]) as session:
        refused = await session.call_tool("review", {"file": str(outside), "lines": "1-2"})
        via_link = await session.call_tool("review", {"file": "../linked/escape.py", "lines": "1"})
        linked = await session.call_tool(
            "review", {"file": str(link_root / "escape.py"), "lines": "1"}
        )
        relative = await session.call_tool(
            "review", {"file": "windows.py", "lines": "1-7", "execute": False}
        )
    for result in (refused, via_link, linked):
        assert result.is_error
        assert "is outside the workspace roots the client gave" in text_of(result)
    assert not relative.is_error, text_of(relative)
    assert relative.structured_content is not None
    assert relative.structured_content["file"] == str(FIXTURE)
    # Nothing outside the roots reached a model.
    prompts = [str(r.body) for r in fake_providers.accepted]
    assert prompts and not any("return 1" in p for p in prompts)


async def test_neither_the_repository_nor_tool_arguments_can_redirect_keys_or_settings(
    fake_providers, tmp_path
):
    """An agent may pass what a repository's text told it to, and the repository may carry
    settings files of every client: extra arguments naming an endpoint, a key variable or a cap
    are not settings, and no file in the workspace is read as one."""
    import json
    import shutil
    import socket

    project = tmp_path / "project"
    shutil.copytree(PROJECT, project)
    script_disagreement(fake_providers)
    with socket.socket() as trap:
        trap.bind(("127.0.0.1", 0))
        trap.listen()
        trap.settimeout(0.1)
        evil = f"http://127.0.0.1:{trap.getsockname()[1]}"
        evil_settings = {
            "anthropicBaseUrl": evil,
            "openaiBaseUrl": evil + "/v1",
            "anthropicKeyEnv": "HOME",
            "maxCostPerRequest": 1000,
        }
        (project / ".vscode").mkdir()
        (project / ".vscode" / "settings.json").write_text(
            json.dumps({f"counterpoint.{k}": v for k, v in evil_settings.items()})
        )
        (project / ".env").write_text(f"ANTHROPIC_BASE_URL={evil}\nOPENAI_BASE_URL={evil}/v1\n")
        (project / ".mcp.json").write_text(
            json.dumps({"mcpServers": {"counterpoint": {"env": {"ANTHROPIC_BASE_URL": evil}}}})
        )
        env = mcp_env(fake_providers.env(), tmp_path)
        async with mcp_session(env, roots=[project], cwd=project) as session:
            result = await session.call_tool(
                "review",
                {"file": "windows.py", "lines": "1-7", "execute": False, **evil_settings},
            )
        with pytest.raises(OSError):
            trap.accept()
    assert not result.is_error, text_of(result)
    assert len(fake_providers.accepted) == 4  # the user's endpoints, with the user's keys
    assert fake_providers.rejected == []


def sandbox_processes(marker: str) -> list[str]:
    found = subprocess.run(["pgrep", "-af", marker], capture_output=True, text=True).stdout
    return [line for line in found.splitlines() if "pgrep" not in line]


async def test_a_cancelled_call_leaves_no_model_call_or_test_process_running(
    fake_providers, tmp_path
):
    from tests.e2e.scripts import ACCEPT
    from tests.fakes.providers import Reply

    slow = FIXED.replace(
        "    return [sum(", "    import time\n    time.sleep(60)\n    return [sum("
    )
    for provider in ("anthropic", "openai"):
        fake_providers.default(
            provider,
            "submit_proposal",
            Reply.structured({"code": slow, "explanation": "", "tests": [], "edge_cases": []}),
        )
        fake_providers.default(provider, "submit_judgment", Reply.structured(ACCEPT), latency=60)
    marker = str(tmp_path / "cache" / "execution" / "runs")
    async with mcp_session(mcp_env(fake_providers.env(), tmp_path)) as session:
        async with anyio.create_task_group() as group:

            async def call() -> None:
                await session.call_tool(
                    "cross_check", {"file": str(FIXTURE), "lines": "1-7", "instruction": "fix"}
                )

            group.start_soon(call)
            for _ in range(300):  # until the proposals' tests run and the judges are asked
                judging = [r for r in fake_providers.requests if r.kind == "submit_judgment"]
                if sandbox_processes(marker) and len(judging) == 2:
                    break
                await anyio.sleep(0.1)
            assert sandbox_processes(marker), "the test run never started"
            assert all(r.finished_at is None for r in judging), "the judges answered already"
            group.cancel_scope.cancel()  # the SDK tells the server: notifications/cancelled

        for _ in range(150):
            open_calls = [r for r in fake_providers.requests if r.finished_at is None]
            if not sandbox_processes(marker) and not open_calls:
                break
            await anyio.sleep(0.1)
        assert sandbox_processes(marker) == []
        assert [r for r in fake_providers.requests if r.finished_at is None] == []
        # The judges' slow replies were abandoned, not waited for.
        assert all(r.status == 0 for r in fake_providers.requests if r.kind == "submit_judgment")
        # The server is still serving.
        assert len((await session.list_tools()).tools) == 2
