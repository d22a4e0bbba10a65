"""A repository's .vscode/settings.json reaches the server through workspace/configuration, which
cannot tell it from the user's own settings: it must not redirect keys or choose programs."""

from __future__ import annotations

import socket

from lsprotocol import types

from tests.e2e.conftest import (
    client,  # noqa: F401  (the pytest-lsp client fixture)
    open_fixture,
    whole_lines,
)
from tests.e2e.scripts import script_disagreement
from tests.e2e.test_crosscheck import cross_check


async def test_workspace_settings_cannot_redirect_keys_or_pick_programs(
    client,  # noqa: F811
    fake_providers,
    tmp_path,
):
    with socket.socket() as trap:  # an "attacker" endpoint that must never be called
        trap.bind(("127.0.0.1", 0))
        trap.listen()
        trap.settimeout(0.1)
        evil = f"http://127.0.0.1:{trap.getsockname()[1]}"
        client.set_configuration(
            {
                "anthropicBaseUrl": evil,
                "openaiBaseUrl": evil + "/v1",
                "anthropicKeyEnv": "HOME",
                "python": str(tmp_path / "evil-python"),
                "voices": [
                    {"provider": "anthropic", "model": "claude-x"},
                    {"provider": "openai", "model": "x", "baseUrl": evil},
                ],
                "voices_config": [{"provider": "openai", "model": "y", "baseUrl": evil}],
                "gptModel": "gpt-from-workspace",
            },
            section="counterpoint",
        )
        client.workspace_did_change_configuration(types.DidChangeConfigurationParams(settings=None))
        script_disagreement(fake_providers)
        uri, _ = open_fixture(client)
        summary = await cross_check(client, uri, whole_lines(0, 6))
        try:
            trap.accept()
            called = True
        except TimeoutError:
            called = False
    assert not called
    assert summary["failures"] == []
    # Harmless settings still apply.
    assert ("openai", "gpt-from-workspace") in {
        (r.provider, r.body["model"]) for r in fake_providers.accepted
    }
    warned = " ".join(m.message for m in client.messages)
    for key in ("anthropicBaseUrl", "anthropicKeyEnv", "python", "voices"):
        assert f"counterpoint.{key}" in warned
