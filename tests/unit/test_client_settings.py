"""The VS Code client sends the user's own values of the settings the server will not take from a
workspace, or takes only to tighten: its lists must be the server's."""

from __future__ import annotations

import json
import re
from pathlib import Path

from counterpoint.config import TIGHTEN_ONLY, USER_ONLY, client_spellings

SETTINGS_TS = Path(__file__).parents[2] / "client-vscode" / "src" / "pure" / "settings.ts"
INTERPRETER_TS = SETTINGS_TS.with_name("interpreter.ts")


def client_list(name: str) -> list[str]:
    match = re.search(rf"export const {name} = \[(.*?)\] as const;", SETTINGS_TS.read_text(), re.S)
    assert match, f"{name} not found in {SETTINGS_TS}"
    return sorted(re.findall(r"'([A-Za-z]+)'", match.group(1)))


def client_filled() -> str:
    """The option the client fills from the Python extension, not from the user's settings."""
    match = re.search(
        r"export const EDITOR_PYTHON_OPTION = '([A-Za-z]+)';", INTERPRETER_TS.read_text()
    )
    assert match, f"EDITOR_PYTHON_OPTION not found in {INTERPRETER_TS}"
    return match.group(1)


def test_the_clients_user_only_list_is_the_servers():
    sent = [*client_list("LOCAL_ONLY_SETTINGS"), client_filled()]
    assert sorted(sent) == client_spellings(USER_ONLY)


def test_the_clients_tighten_only_list_is_the_servers():
    assert client_list("TIGHTEN_ONLY_SETTINGS") == client_spellings(TIGHTEN_ONLY)


def test_the_program_that_starts_the_server_comes_from_the_users_settings_alone():
    """`counterpoint.server.command` / `server.python` pick the program VS Code runs: with scope
    "machine-overridable" a repository's .vscode/settings.json could set them."""
    package = json.loads((SETTINGS_TS.parents[2] / "package.json").read_text())
    properties = package["contributes"]["configuration"]["properties"]
    for key in ("counterpoint.server.command", "counterpoint.server.python"):
        assert properties[key]["scope"] in ("machine", "application"), key
    extension = (SETTINGS_TS.parents[1] / "extension.ts").read_text()
    assert "get<string[]>('server.command')" not in extension
    assert "get<string>('server.python')" not in extension
