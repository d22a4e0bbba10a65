"""A repository's .vscode/settings.json reaches the server through workspace/configuration, which
cannot tell it from the user's own settings: it must not redirect keys, choose programs, models
or prices, or loosen a limit the user set."""

from __future__ import annotations

import shutil
import socket

from lsprotocol import types

from tests.e2e.conftest import (
    FIXTURES,
    client,  # noqa: F401  (the pytest-lsp client fixture)
    open_fixture,
    whole_lines,
)
from tests.e2e.scripts import script_disagreement
from tests.e2e.test_crosscheck import cross_check
from tests.hardening.rawlsp import RawServer
from tests.hardening.test_fuzz_editor_input import server_env


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
    # Which model is paid for is the user's choice too.
    assert "gpt-from-workspace" not in {r.body["model"] for r in fake_providers.accepted}
    warned = " ".join(m.message for m in client.messages)
    for key in ("anthropicBaseUrl", "anthropicKeyEnv", "python", "voices", "gptModel"):
        assert f"counterpoint.{key}" in warned


def test_a_workspace_cost_cap_above_the_users_own_is_ignored_with_a_message(
    fake_providers, tmp_path
):
    script_disagreement(fake_providers)
    project = tmp_path / "project"
    shutil.copytree(FIXTURES, project)
    # The user's own cap, from initializationOptions, is far below one call's worst case.
    server = RawServer(
        server_env(fake_providers.env(), tmp_path / "cache"),
        project,
        {"maxCostPerRequest": 0.0001, "execute": False},
    )
    try:
        server.notify(
            "workspace/didChangeConfiguration",
            {"settings": {"counterpoint": {"maxCostPerRequest": 100000, "maxRetries": 50}}},
        )
        uri = (project / "windows.py").as_uri()
        server.notify(
            "textDocument/didOpen",
            {
                "textDocument": {
                    "uri": uri,
                    "languageId": "python",
                    "version": 1,
                    "text": (project / "windows.py").read_text(),
                }
            },
        )
        reply = server.command(
            "counterpoint.crossCheck",
            {"uri": uri, "range": whole_lines(0, 6), "instruction": "fix the off-by-one"},
        )
        messages = [
            n["params"]["message"]
            for n in server.notifications()
            if n.get("method") == "window/showMessage"
        ]
    finally:
        server.stop()
    result = reply["result"]
    assert fake_providers.requests == []  # the user's cap held: nothing was sent
    assert {f["kind"] for f in result["failures"]} == {"budget"}
    assert result["cost"]["cap_usd"] == 0.0001
    (cap,) = [m for m in messages if "counterpoint.maxCostPerRequest" in m]
    assert "100000" in cap and "0.0001" in cap and "only tighten" in cap
    (retries,) = [m for m in messages if "counterpoint.maxRetries" in m]
    assert "looser" in retries


def test_a_workspace_cannot_turn_repair_rounds_on_or_raise_them():
    """Each repair round can cost a revision and a judgment per voice: a repository's settings
    may lower the user's rounds, never raise them, and no one gets past the bound."""
    from counterpoint.config import MAX_REPAIR_ROUNDS, Settings

    off = Settings.from_env({"COUNTERPOINT_REPAIR_ROUNDS": "0"})
    raised, ignored = off.tightened_by({"repairRounds": 3}, "workspace")
    assert raised.repair_rounds == 0 and raised.run_options().repair_rounds == 0
    assert "looser" in ignored["repairRounds"]

    lowered, ignored = Settings().tightened_by({"repairRounds": 0}, "workspace")
    assert lowered.repair_rounds == 0 and ignored == {}

    clamped = Settings().merged({"repairRounds": 50})
    assert clamped.repair_rounds == MAX_REPAIR_ROUNDS and clamped.problems
