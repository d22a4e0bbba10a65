"""The README's "Agents (MCP)" configurations work as written: each snippet parses (TOML, JSON,
the `claude mcp add` line), names a command that exists, and started as it says (its command,
its arguments, the keys it passes on) the server lists its tools and runs a review whose calls
reach the providers with those keys. The one thing the test adds is the providers' base URLs,
pointed at the fake, so that nothing leaves the machine."""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest
from mcp import ClientSession
from mcp.client.stdio import StdioServerParameters, stdio_client

from counterpoint.cli import _parser
from counterpoint.model.vocabulary import ConfidenceLabel
from tests.e2e.scripts import ACCEPT, FIXED
from tests.fakes.providers import Reply

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib

ROOT = Path(__file__).parents[2]
FIXTURE = Path(__file__).parent / "fixtures" / "windows_project" / "windows.py"
KEYS = ("ANTHROPIC_API_KEY", "OPENAI_API_KEY")


def agents_section() -> str:
    readme = (ROOT / "README.md").read_text()
    section = readme[readme.index("## Agents (MCP)") :]
    return section[: section.index("\n## ", 1)]


def snippets(language: str) -> list[str]:
    return [
        body
        for lang, body in re.findall(r"```(\w+)\n(.*?)```", agents_section(), re.DOTALL)
        if lang == language
    ]


def expanded(value: str, agent_env: Mapping[str, str]) -> str:
    """`${VAR}` (Claude Code), `${env:VAR}` (Cursor) and `{env:VAR}` (opencode)."""
    return re.sub(
        r"\$\{(?:env:)?(\w+)\}|\{env:(\w+)\}",
        lambda m: agent_env[m.group(1) or m.group(2)],
        value,
    )


# Each configuration as (which agent, command, args, the environment the agent gives the server)
Launch = tuple[str, str, list[str], dict[str, str]]


def launches(agent_env: Mapping[str, str]) -> list[Launch]:
    found: list[Launch] = []
    for block in snippets("sh"):
        for line in block.splitlines():
            if line.startswith("claude mcp add"):
                words = shlex.split(line)
                command, *args = words[words.index("--") + 1 :]
                found.append(("claude mcp add", command, args, dict(agent_env)))  # inherited
    for block in snippets("toml"):
        entry = tomllib.loads(block)["mcp_servers"]["counterpoint"]
        env = {name: agent_env[name] for name in entry.get("env_vars", [])}
        found.append(("codex", entry["command"], entry["args"], env | entry.get("env", {})))
    for block in snippets("json"):
        data: dict[str, Any] = json.loads(block)
        if "mcpServers" in data:  # Claude Code's .mcp.json, Cursor's mcp.json
            entry = data["mcpServers"]["counterpoint"]
            env = {k: expanded(v, agent_env) for k, v in entry.get("env", {}).items()}
            found.append(("mcpServers", entry["command"], entry["args"], env))
        else:  # opencode
            entry = data["mcp"]["counterpoint"]
            assert entry["type"] == "local" and entry["enabled"] is True
            env = {k: expanded(v, agent_env) for k, v in entry.get("environment", {}).items()}
            found.append(("opencode", entry["command"][0], entry["command"][1:], env))
    return found


def test_every_snippet_parses_and_names_the_mcp_command():
    agent_env = {key: f"value-of-{key}" for key in KEYS}
    configured = launches(agent_env)
    kinds = sorted(kind for kind, *_ in configured)
    assert kinds == ["claude mcp add", "codex", "mcpServers", "mcpServers", "opencode"]
    subcommands = _parser()._subparsers._group_actions[0].choices  # type: ignore[union-attr]
    for kind, command, args, env in configured:
        assert (command, args) == ("counterpoint", ["mcp"]), kind
        assert args[0] in subcommands
        if kind != "claude mcp add":  # the others pass both keys by name
            assert env == agent_env, kind
    # The entry point the snippets start is the package's.
    assert 'counterpoint = "counterpoint.cli:main"' in (ROOT / "pyproject.toml").read_text()


def test_the_when_to_call_note_names_real_tools_arguments_and_labels():
    (note,) = snippets("markdown")
    for name in ("`review`", "`cross_check`", "`symbol`", "`instruction`", "`recommended_code`"):
        assert name in note
    assert "disagreements[].question" in note
    labels = {label.value for label in ConfidenceLabel}
    named = set(re.findall(r"\b(?:verified-\w+|disputed|failed)\b", note))
    assert named and named <= labels


@pytest.mark.parametrize("index", range(5))
async def test_each_configuration_starts_the_server_and_its_keys_reach_the_providers(
    fake_providers, tmp_path, index
):
    for provider in ("anthropic", "openai"):
        fake_providers.default(
            provider,
            "submit_proposal",
            Reply.structured({"code": FIXED, "explanation": "", "tests": []}),
        )
        fake_providers.default(provider, "submit_judgment", Reply.structured(ACCEPT))
    fake = fake_providers.env()
    # The shell the agent runs in: the keys exported, `counterpoint` on PATH.
    agent_env = {
        "PATH": os.pathsep.join([str(Path(sys.executable).parent), os.environ["PATH"]]),
        "HOME": str(tmp_path),
        **{key: fake[key] for key in KEYS},
    }
    kind, command, args, env = launches(agent_env)[index]
    assert shutil.which(command, path=agent_env["PATH"]), f"{command} is not on PATH"
    server_env = {
        "PATH": agent_env["PATH"],
        "HOME": str(tmp_path),
        **env,
        # Added by the test: the fake instead of the real APIs, and a cache of this test's own.
        "ANTHROPIC_BASE_URL": fake["ANTHROPIC_BASE_URL"],
        "OPENAI_BASE_URL": fake["OPENAI_BASE_URL"],
        "COUNTERPOINT_CACHE_DIR": str(tmp_path / "cache"),
    }
    server = StdioServerParameters(
        command=shutil.which(command, path=agent_env["PATH"]) or command,
        args=args,
        env=server_env,
    )
    async with stdio_client(server) as (read, write), ClientSession(read, write) as session:
        await session.initialize()
        tools = sorted(tool.name for tool in (await session.list_tools()).tools)
        result = await session.call_tool(
            "review", {"file": str(FIXTURE), "lines": "1-7", "execute": False}
        )
    assert tools == ["cross_check", "review"], kind
    assert not result.is_error, (kind, result.content)
    # Four calls, each accepted with the key the configuration passed on.
    assert fake_providers.rejected == [], kind
    assert len(fake_providers.accepted) == 4, kind
