"""One Settings object, merged from defaults, the environment and the editor.

Precedence, lowest first: defaults, environment variables, LSP initializationOptions, then
workspace/configuration (section "counterpoint"). API keys are read from the environment by
variable name only; their values never enter Settings, logs or reports.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from platformdirs import user_cache_dir

from counterpoint.pipeline.execute import ExecutionOptions
from counterpoint.pipeline.run import RunOptions, Voice

DEFAULT_CLAUDE_MODEL = "claude-opus-5-5"
DEFAULT_GPT_MODEL = "gpt-6.2-sol"
# Placeholder for OpenAI-compatible servers that need no key (Ollama, vLLM) but a base URL.
KEYLESS = "counterpoint-no-key"


class ConfigError(ValueError):
    """Settings that cannot work; the message says what to set."""


@dataclass(frozen=True)
class Settings:
    claude_model: str = DEFAULT_CLAUDE_MODEL
    gpt_model: str = DEFAULT_GPT_MODEL
    anthropic_base_url: str | None = None
    openai_base_url: str | None = None
    anthropic_key_env: str = "ANTHROPIC_API_KEY"
    openai_key_env: str = "OPENAI_API_KEY"
    request_timeout_s: float = 120.0
    max_retries: int = 2
    context_chars: int = 8_000
    cache_dir: str | None = None
    execute: bool = True
    python: str | None = None  # the interpreter that runs the workspace's tests
    run_timeout_s: float = 120.0  # one whole test run, killed after this
    test_timeout_s: float = 10.0  # one test
    problems: tuple[str, ...] = field(default=(), compare=False)

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if env is None else env
        values: dict[str, Any] = {}
        for name, var in _ENV.items():
            if env.get(var):
                values[name] = env[var]
        return cls().merged(values, origin="environment")

    def merged(self, overrides: Mapping[str, Any] | None, origin: str = "settings") -> Settings:
        """Apply editor-style (camelCase) or field-name overrides; bad values are reported and
        skipped so the rest still applies."""
        if not overrides:
            return self
        fields = {f.name: f for f in dataclasses.fields(self) if f.name != "problems"}
        changes: dict[str, Any] = {}
        problems = list(self.problems)
        for key, value in overrides.items():
            name = _CAMEL.get(key, key)
            if name not in fields:
                continue  # unknown keys belong to the client (e.g. its own UI options)
            if value is None or value == "":
                continue
            try:
                changes[name] = _coerce(fields[name].type, value)
            except (TypeError, ValueError):
                problems.append(f"{origin}: {key}={value!r} is not a valid {fields[name].type}")
        return dataclasses.replace(self, **changes, problems=tuple(problems))

    def cache_root(self) -> Path:
        return Path(self.cache_dir) if self.cache_dir else Path(user_cache_dir("counterpoint"))

    def execution_options(self) -> ExecutionOptions:
        return ExecutionOptions(
            store_dir=self.cache_root() / "execution",
            interpreter=self.python,
            run_timeout_s=self.run_timeout_s,
            test_timeout_s=self.test_timeout_s,
        )

    def run_options(self) -> RunOptions:
        # The pipeline's own deadline sits above the SDK's timeout plus its retries.
        deadline = self.request_timeout_s * (self.max_retries + 1) + 5
        return RunOptions(call_timeout_s=deadline, context_chars=self.context_chars)

    def secrets(self, env: Mapping[str, str] | None = None) -> list[str]:
        """Values to scrub from prompts: the keys and anything named like a secret."""
        env = os.environ if env is None else env
        return [
            value
            for name, value in env.items()
            if value and any(tag in name.upper() for tag in ("KEY", "TOKEN", "SECRET", "PASSWORD"))
        ]

    def voices(self, env: Mapping[str, str] | None = None) -> list[Voice]:
        """Build the two voices, or raise ConfigError naming every missing key."""
        # Imported here so the pipeline and config stay importable without touching the SDKs.
        from counterpoint.providers.anthropic import AnthropicClient
        from counterpoint.providers.openai import OpenAIClient

        env = os.environ if env is None else env
        missing = []
        anthropic_key = env.get(self.anthropic_key_env) or (
            KEYLESS if self.anthropic_base_url else None
        )
        openai_key = env.get(self.openai_key_env) or (KEYLESS if self.openai_base_url else None)
        if anthropic_key is None:
            missing.append(f"{self.anthropic_key_env} (or ANTHROPIC_BASE_URL)")
        if openai_key is None:
            missing.append(f"{self.openai_key_env} (or OPENAI_BASE_URL)")
        if missing:
            raise ConfigError("no key or base URL configured: set " + " and ".join(missing))
        assert anthropic_key is not None and openai_key is not None
        return [
            Voice(
                "claude",
                "Claude",
                AnthropicClient(
                    self.claude_model,
                    anthropic_key,
                    self.anthropic_base_url,
                    self.request_timeout_s,
                    self.max_retries,
                ),
            ),
            Voice(
                "gpt",
                "GPT",
                OpenAIClient(
                    self.gpt_model,
                    openai_key,
                    self.openai_base_url,
                    self.request_timeout_s,
                    self.max_retries,
                ),
            ),
        ]


_ENV = {
    "claude_model": "COUNTERPOINT_CLAUDE_MODEL",
    "gpt_model": "COUNTERPOINT_GPT_MODEL",
    "anthropic_base_url": "ANTHROPIC_BASE_URL",
    "openai_base_url": "OPENAI_BASE_URL",
    "cache_dir": "COUNTERPOINT_CACHE_DIR",
    "request_timeout_s": "COUNTERPOINT_REQUEST_TIMEOUT",
    "python": "COUNTERPOINT_PYTHON",
    "execute": "COUNTERPOINT_EXECUTE",
    "run_timeout_s": "COUNTERPOINT_RUN_TIMEOUT",
    "test_timeout_s": "COUNTERPOINT_TEST_TIMEOUT",
}

_CAMEL = {
    "claudeModel": "claude_model",
    "gptModel": "gpt_model",
    "anthropicBaseUrl": "anthropic_base_url",
    "openaiBaseUrl": "openai_base_url",
    "anthropicKeyEnv": "anthropic_key_env",
    "openaiKeyEnv": "openai_key_env",
    "requestTimeout": "request_timeout_s",
    "maxRetries": "max_retries",
    "contextChars": "context_chars",
    "cacheDir": "cache_dir",
    "execute": "execute",
    "python": "python",
    "runTimeout": "run_timeout_s",
    "testTimeout": "test_timeout_s",
}


def _coerce(annotation: Any, value: Any) -> Any:
    kind = str(annotation)
    if kind.startswith("bool"):
        if isinstance(value, bool):
            return value
        if str(value).lower() in ("1", "true", "yes", "on"):
            return True
        if str(value).lower() in ("0", "false", "no", "off"):
            return False
        raise ValueError("not a boolean")
    if kind.startswith("float"):
        number = float(value)
        if number <= 0:
            raise ValueError("must be positive")
        return number
    if kind.startswith("int"):
        if isinstance(value, bool):
            raise TypeError("not an integer")
        number = int(value)
        if number < 0:
            raise ValueError("must not be negative")
        return number
    if not isinstance(value, str):
        raise TypeError("not a string")
    return value
