"""Settings from workspace/configuration reach the providers, and changes apply live."""

from lsprotocol import types

from tests.e2e.conftest import open_fixture, whole_lines
from tests.e2e.scripts import script_disagreement
from tests.e2e.test_crosscheck import cross_check


def models_called(fake_providers) -> set[tuple[str, str]]:
    return {(r.provider, r.body["model"]) for r in fake_providers.accepted}


async def test_workspace_configuration_chooses_the_models(client, fake_providers):
    client.set_configuration({"claudeModel": "claude-from-editor"}, section="counterpoint")
    client.workspace_did_change_configuration(types.DidChangeConfigurationParams(settings=None))
    script_disagreement(fake_providers)
    uri, _ = open_fixture(client)
    await cross_check(client, uri, whole_lines(0, 6))
    assert ("anthropic", "claude-from-editor") in models_called(fake_providers)


async def test_pushed_settings_apply_without_restart_and_bad_values_are_reported(
    client, fake_providers
):
    client.workspace_did_change_configuration(
        types.DidChangeConfigurationParams(
            settings={"counterpoint": {"gptModel": "gpt-pushed", "requestTimeout": "soon"}}
        )
    )
    script_disagreement(fake_providers)
    uri, _ = open_fixture(client)
    summary = await cross_check(client, uri, whole_lines(0, 6))
    assert summary["failures"] == []
    assert ("openai", "gpt-pushed") in models_called(fake_providers)
    assert any("requestTimeout" in m.message for m in client.messages)
