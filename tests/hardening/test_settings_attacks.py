"""Attacks on the rule that a repository's settings (workspace/configuration) may only tighten the
user's own: odd keys and values must neither loosen a limit nor stop the server applying the
tighter values next to them."""

from __future__ import annotations

import pytest
from lsprotocol import types

from tests.e2e.conftest import open_fixture, started_client, whole_lines
from tests.e2e.scripts import script_disagreement
from tests.e2e.test_crosscheck import cross_check


@pytest.mark.parametrize(
    "odd",
    [
        {"secrets": 1},  # the name of a Settings method, not a setting
        {"merged": "x"},
        {"maxConcurrentChecks": float("inf")},  # JSON 1e400 parses as infinity
    ],
    ids=["method-name", "another-method-name", "infinite-int"],
)
async def test_an_odd_key_or_value_next_to_a_tighter_cap_neither_breaks_checks_nor_drops_the_cap(
    fake_providers, tmp_path, odd
):
    async with started_client(fake_providers, tmp_path, {"execute": False}) as client:
        client.set_configuration({"maxCostPerRequest": 0.0001, **odd}, section="counterpoint")
        client.workspace_did_change_configuration(types.DidChangeConfigurationParams(settings=None))
        script_disagreement(fake_providers)
        uri, _ = open_fixture(client)
        summary = await cross_check(client, uri, whole_lines(0, 6))
    # The repository's tighter cap applied (nothing was sent), and the odd entry did not stop it.
    assert {f["kind"] for f in summary["failures"]} == {"budget"}
    assert fake_providers.requests == []
    assert summary["cost"]["cap_usd"] == 0.0001


async def test_a_workspace_cannot_turn_on_the_reply_cache_the_user_turned_off(
    fake_providers, tmp_path
):
    """The user keeps the models' replies (about their code) off disk; a repository's
    "counterpoint.cache": true and a huge cacheSizeMb must not undo that."""
    user = {"cache": False, "execute": False}
    async with started_client(fake_providers, tmp_path, user) as client:
        client.set_configuration({"cache": True, "cacheSizeMb": 10**9}, section="counterpoint")
        client.workspace_did_change_configuration(types.DidChangeConfigurationParams(settings=None))
        uri, _ = open_fixture(client)
        for _ in range(2):
            script_disagreement(fake_providers)
            await cross_check(client, uri, whole_lines(0, 6))
        warned = " ".join(m.message for m in client.messages)
    assert len(fake_providers.accepted) == 8  # the second check was not answered from a cache
    assert not (tmp_path / "cache" / "cache").exists()
    assert "counterpoint.cache " in warned and "counterpoint.cacheSizeMb " in warned
