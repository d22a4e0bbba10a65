"""Settings from workspace/configuration apply live, within what a workspace may set; the model
choice comes from the user (initializationOptions), since it decides what is paid for."""

from lsprotocol import types

from tests.e2e.conftest import open_fixture, started_client, whole_lines
from tests.e2e.scripts import script_disagreement
from tests.e2e.test_crosscheck import cross_check


def models_called(fake_providers) -> set[tuple[str, str]]:
    return {(r.provider, r.body["model"]) for r in fake_providers.accepted}


async def test_workspace_configuration_tightens_a_limit(client, fake_providers):
    client.set_configuration({"maxCostPerRequest": 0.0001}, section="counterpoint")
    client.workspace_did_change_configuration(types.DidChangeConfigurationParams(settings=None))
    script_disagreement(fake_providers)
    uri, _ = open_fixture(client)
    summary = await cross_check(client, uri, whole_lines(0, 6))
    assert {f["kind"] for f in summary["failures"]} == {"budget"}
    assert models_called(fake_providers) == set()


async def test_pushed_settings_apply_without_restart_and_bad_values_are_reported(
    client, fake_providers
):
    client.workspace_did_change_configuration(
        types.DidChangeConfigurationParams(
            settings={"counterpoint": {"maxCostPerRequest": 0.0001, "requestTimeout": "soon"}}
        )
    )
    script_disagreement(fake_providers)
    uri, _ = open_fixture(client)
    summary = await cross_check(client, uri, whole_lines(0, 6))
    assert {f["kind"] for f in summary["failures"]} == {"budget"}
    assert any("requestTimeout" in m.message for m in client.messages)


async def test_the_model_comes_from_the_users_initialization_options(fake_providers, tmp_path):
    user = {"claudeModel": "claude-from-the-user"}
    async with started_client(fake_providers, tmp_path, user) as client:
        script_disagreement(fake_providers)
        uri, _ = open_fixture(client)
        await cross_check(client, uri, whole_lines(0, 6))
    assert ("anthropic", "claude-from-the-user") in models_called(fake_providers)
