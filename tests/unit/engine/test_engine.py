"""The Engine both front ends share: what it keeps between cross-checks and what it rebuilds."""

from __future__ import annotations

import dataclasses

import pytest

from counterpoint.config import ConfigError, Settings
from counterpoint.engine.engine import Engine

KEYS = {"ANTHROPIC_API_KEY": "sk-ant-test", "OPENAI_API_KEY": "sk-test"}


@pytest.fixture
def settings(tmp_path, monkeypatch):
    for name, value in KEYS.items():
        monkeypatch.setenv(name, value)
    return Settings.from_env({"COUNTERPOINT_CACHE_DIR": str(tmp_path)})


def test_the_voices_are_kept_while_what_built_them_holds(settings, monkeypatch):
    engine = Engine(settings)
    first = engine.voices()
    assert [voice.id for voice in first] == ["claude", "gpt"]
    assert engine.voices() is first

    monkeypatch.setenv("OPENAI_API_KEY", "sk-rotated")
    rotated = engine.voices()
    assert rotated is not first

    engine.configure(dataclasses.replace(settings, request_timeout_s=7.0))
    assert engine.voices() is not rotated


def test_a_missing_key_is_a_config_error(settings, monkeypatch):
    monkeypatch.delenv("OPENAI_API_KEY")
    with pytest.raises(ConfigError, match="OPENAI_API_KEY"):
        Engine(settings).voices()


def test_one_execution_service_serves_while_its_options_hold(settings):
    engine = Engine(settings)
    service = engine.execution()
    assert service is not None and engine.execution() is service

    engine.configure(dataclasses.replace(settings, run_timeout_s=settings.run_timeout_s + 1))
    assert engine.execution() is not service

    assert Engine(settings, execute=False).execution() is None
    assert Engine(dataclasses.replace(settings, execute=False)).execution() is None


def test_no_cache_is_opened_when_the_front_end_says_so(settings):
    assert Engine(settings).disk_cache() is not None
    assert Engine(settings, use_cache=False).disk_cache() is None


def test_the_session_cap_follows_the_settings_and_stops_new_checks(settings):
    engine = Engine(settings)
    assert engine.session_exhausted() is None

    engine.configure(dataclasses.replace(settings, max_cost_per_session_usd=0.01))
    assert engine.session_budget.cap == 0.01
    engine.session_budget.spent = 0.01
    message = engine.session_exhausted()
    assert message is not None and "maxCostPerSession" in message and "$0.0100" in message


async def test_the_sdks_are_imported_and_the_clients_built_off_the_event_loop(
    settings, monkeypatch
):
    """Building a voice imports its SDK and loads TLS certificates: seconds the first time. On
    the event loop that stalled every handler (a hover waited 2.2 s); the engine warms up in a
    thread, and a cross-check waits for that without blocking the loop."""
    import threading

    from counterpoint.providers import registry

    threads: list[str] = []
    real = {name: wire.load for name, wire in registry.WIRE_FORMATS.items()}
    for name, wire in registry.WIRE_FORMATS.items():

        def load(real_load=real[name]):
            threads.append(threading.current_thread().name)
            return real_load()

        monkeypatch.setitem(registry.WIRE_FORMATS, name, dataclasses.replace(wire, load=load))
    engine = Engine(settings)
    engine.warm_up_soon()
    await engine.warmed_up()
    built = engine.voices()  # on the loop now: kept from the warm-up
    assert [voice.id for voice in built] == ["claude", "gpt"]
    assert threads and threading.main_thread().name not in threads, threads
    assert engine.voices() is built
