"""The wire formats a voice may speak (its "provider"), each with its adapter over an official SDK.

An adapter's module imports its SDK, so it is loaded only when a client is built."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from counterpoint.model.calls import ModelClient

# model, api_key, base_url, timeout_s, max_retries
Adapter = Callable[[str, str, "str | None", float, int], ModelClient]


def _anthropic() -> Adapter:
    from counterpoint.providers.anthropic import AnthropicClient

    return AnthropicClient


def _openai() -> Adapter:
    from counterpoint.providers.openai import OpenAIClient

    return OpenAIClient


@dataclass(frozen=True)
class WireFormat:
    name: str
    key_env: str  # the SDK's own key variable
    load: Callable[[], Adapter]
    label: str  # the API, in words for the user

    def client(
        self, model: str, api_key: str, base_url: str | None, timeout_s: float, max_retries: int
    ) -> ModelClient:
        return self.load()(model, api_key, base_url, timeout_s, max_retries)


WIRE_FORMATS: dict[str, WireFormat] = {
    "anthropic": WireFormat(
        "anthropic", "ANTHROPIC_API_KEY", _anthropic, "Anthropic's Messages API"
    ),
    "openai": WireFormat(
        "openai",
        "OPENAI_API_KEY",
        _openai,
        "OpenAI's Chat Completions, also any compatible server: Ollama, vLLM, OpenRouter",
    ),
}


def warm_up() -> None:
    """Load every adapter and its SDK (seconds, the first time) before a client is needed."""
    for wire_format in WIRE_FORMATS.values():
        wire_format.load()


def described() -> str:
    """The wire formats for an error message: '"anthropic" (…) or "openai" (…)'."""
    return " or ".join(f'"{name}" ({wire.label})' for name, wire in WIRE_FORMATS.items())
