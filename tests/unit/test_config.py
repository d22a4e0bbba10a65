import dataclasses

import pytest

from counterpoint.config import (
    DEFAULT_CLAUDE_MODEL,
    KEYLESS,
    MAX_RETRIES_LIMIT,
    TIGHTEN_ONLY,
    USER_ONLY,
    ConfigError,
    Settings,
)


def test_environment_sets_models_and_base_urls():
    settings = Settings.from_env(
        {
            "COUNTERPOINT_CLAUDE_MODEL": "claude-test",
            "COUNTERPOINT_GPT_MODEL": "gpt-test",
            "ANTHROPIC_BASE_URL": "http://127.0.0.1:9",
            "OPENAI_BASE_URL": "http://127.0.0.1:9/v1",
        }
    )
    assert (settings.claude_model, settings.gpt_model) == ("claude-test", "gpt-test")
    assert settings.openai_base_url == "http://127.0.0.1:9/v1"


def test_editor_settings_override_the_environment_and_bad_values_are_reported():
    settings = Settings.from_env({"COUNTERPOINT_GPT_MODEL": "gpt-env"}).merged(
        {"gptModel": "gpt-editor", "requestTimeout": "soon", "unknownOption": 1}, "settings"
    )
    assert settings.gpt_model == "gpt-editor"
    assert settings.request_timeout_s == 120.0
    assert settings.problems == (
        "settings: requestTimeout='soon' is not a valid float; using the default",
    )
    assert settings.claude_model == DEFAULT_CLAUDE_MODEL


def test_missing_keys_name_every_variable_to_set():
    with pytest.raises(ConfigError) as caught:
        Settings().voices({})
    assert "ANTHROPIC_API_KEY" in str(caught.value) and "OPENAI_API_KEY" in str(caught.value)


def test_a_base_url_alone_is_enough_for_keyless_local_servers():
    settings = Settings.from_env(
        {"OPENAI_BASE_URL": "http://127.0.0.1:9/v1", "ANTHROPIC_API_KEY": "k" * 20}
    )
    voices = settings.voices({"ANTHROPIC_API_KEY": "k" * 20})
    assert [v.family for v in voices] == ["anthropic", "openai"]
    assert voices[1].client._sdk.api_key == KEYLESS


def test_secret_values_are_collected_by_name_not_logged_in_settings():
    env = {"ANTHROPIC_API_KEY": "sk-ant-secret", "GITHUB_TOKEN": "ghp_x", "PATH": "/bin"}
    settings = Settings.from_env(env)
    assert sorted(settings.secrets(env)) == ["ghp_x", "sk-ant-secret"]
    assert "sk-ant-secret" not in repr(settings)


def test_each_wire_format_builds_the_adapter_that_speaks_it():
    from counterpoint.providers.registry import WIRE_FORMATS

    for name, wire_format in WIRE_FORMATS.items():
        client = wire_format.client("some-model", KEYLESS, "http://127.0.0.1:9", 1.0, 0)
        assert client.provider == name
        assert client.model == "some-model"


def test_retries_from_the_environment_have_a_hard_bound():
    settings = Settings.from_env({"COUNTERPOINT_MAX_RETRIES": "56"})
    assert settings.max_retries == MAX_RETRIES_LIMIT
    assert any("above the limit" in p for p in settings.problems)


def test_nan_is_no_cap_or_timeout_and_does_not_block_a_workspaces_tighter_one():
    """NaN compares false with everything: as a cap it would refuse nothing, and as the user's
    value every workspace value would look looser than it."""
    user = Settings.from_env(
        {"COUNTERPOINT_MAX_COST": "nan", "COUNTERPOINT_REQUEST_TIMEOUT": "NaN"}
    )
    assert user.max_cost_usd is None and user.request_timeout_s == Settings().request_timeout_s
    assert sum("not a valid" in problem for problem in user.problems) == 2
    settings, ignored = user.tightened_by({"maxCostPerRequest": 0.01}, "workspace")
    assert settings.max_cost_usd == 0.01 and ignored == {}
    settings, ignored = Settings().tightened_by({"maxCostPerSession": float("nan")}, "workspace")
    assert settings.max_cost_per_session_usd is None


def test_every_setting_says_what_a_workspace_may_do_with_it():
    """A new setting must be placed in USER_ONLY or TIGHTEN_ONLY; else a repository sets it."""
    fields = {f.name for f in dataclasses.fields(Settings)} - {"problems"}
    assert fields - USER_ONLY - set(TIGHTEN_ONLY) == set()
