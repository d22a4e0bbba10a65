"""The VS Code client sends the user's own values of the settings the server will not take from a
workspace, or takes only to tighten: its lists must be the server's."""

from __future__ import annotations

import re
from pathlib import Path

from counterpoint.config import TIGHTEN_ONLY, USER_ONLY, client_spellings

SETTINGS_TS = Path(__file__).parents[2] / "client-vscode" / "src" / "pure" / "settings.ts"


def client_list(name: str) -> list[str]:
    match = re.search(rf"export const {name} = \[(.*?)\] as const;", SETTINGS_TS.read_text(), re.S)
    assert match, f"{name} not found in {SETTINGS_TS}"
    return sorted(re.findall(r"'([A-Za-z]+)'", match.group(1)))


def test_the_clients_user_only_list_is_the_servers():
    assert client_list("LOCAL_ONLY_SETTINGS") == client_spellings(USER_ONLY)


def test_the_clients_tighten_only_list_is_the_servers():
    assert client_list("TIGHTEN_ONLY_SETTINGS") == client_spellings(TIGHTEN_ONLY)
