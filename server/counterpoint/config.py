"""One Settings object, merged from defaults, the environment and the editor.

Precedence, lowest first: defaults, environment variables, LSP initializationOptions, then
workspace/configuration (section "counterpoint"). The first three are the user's own. The last
cannot tell the user's settings from a cloned repository's .vscode/settings.json, so it may only
tighten them: see USER_ONLY and TIGHTEN_ONLY. API keys are read from the environment by variable
name only; their values never enter Settings, logs or reports.
"""

from __future__ import annotations

import dataclasses
import functools
import json
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, TypeVar, cast

from platformdirs import user_cache_dir

from counterpoint.cache import DiskCache
from counterpoint.core.secrets import environment_secrets
from counterpoint.engine.budget import Budget
from counterpoint.engine.execute import ExecutionOptions
from counterpoint.engine.run import RunOptions, Voice
from counterpoint.model.calls import ModelClient
from counterpoint.providers import registry
from counterpoint.providers.cached import CachedClient
from counterpoint.providers.pricing import PRICES_PER_MTOK
from counterpoint.providers.registry import WIRE_FORMATS

DEFAULT_CLAUDE_MODEL = "claude-opus-5-5"
DEFAULT_GPT_MODEL = "gpt-6.2-sol"
# Placeholder for OpenAI-compatible servers that need no key (Ollama, vLLM) but a base URL.
KEYLESS = "counterpoint-no-key"
# A hard bound, whoever sets maxRetries: every call of a 429 storm is repeated at most this often.
MAX_RETRIES_LIMIT = 5
# A hard bound on repair rounds: each can cost a revision and its judgment per voice.
MAX_REPAIR_ROUNDS = 3


class ConfigError(ValueError):
    """Settings that cannot work; the message says what to set."""


# Is a workspace's value (`theirs`) at least as strict as the user's own (`mine`)?
Strictness = Callable[[Any, Any], bool]
# "user": only the user sets it; "lower" / "off": a workspace may only lower it / turn it off.
Trust = Literal["user", "lower", "off"]
T = TypeVar("T")
SETTING = "counterpoint.setting"  # the metadata key of a field's declaration


@dataclass(frozen=True)
class Setting:
    """What one Settings field is to the outside: how it is spelled, who may set it, its bounds."""

    env: str | None  # environment variable, or None when only an editor sets it
    client: str | None  # the editor's (camelCase) spelling, or None when it has none
    trust: Trust
    description: str  # the "What" of the README's configuration table
    at_most: int | None = None  # larger values are clamped to this, with a problem reported
    at_least: int | None = None  # smaller values are refused: the default stays


def setting(
    default: T,
    *,
    trust: Trust,
    description: str,
    env: str | None = None,
    client: str | None = None,
    at_most: int | None = None,
    at_least: int | None = None,
) -> T:
    """A Settings field with its declaration in the field's metadata. Typed as its default so
    mypy checks the default against the annotation."""
    declaration = Setting(env, client, trust, description, at_most, at_least)
    metadata = {SETTING: declaration}
    if isinstance(default, dict):  # a mutable default: each Settings gets its own copy
        copy: Callable[[], dict[Any, Any]] = functools.partial(dict, default)
        return cast(T, field(default_factory=copy, metadata=metadata))
    return cast(T, field(default=default, metadata=metadata))


@dataclass(frozen=True)
class Settings:
    # Each field is declared once, here; the tables below the class are derived from it.
    claude_model: str = setting(
        DEFAULT_CLAUDE_MODEL,
        env="COUNTERPOINT_CLAUDE_MODEL",
        client="claudeModel",
        trust="user",
        description="Claude model",
    )
    gpt_model: str = setting(
        DEFAULT_GPT_MODEL,
        env="COUNTERPOINT_GPT_MODEL",
        client="gptModel",
        trust="user",
        description="GPT model",
    )
    anthropic_base_url: str | None = setting(
        None,
        env="ANTHROPIC_BASE_URL",
        client="anthropicBaseUrl",
        trust="user",
        description="Anthropic endpoint",
    )
    openai_base_url: str | None = setting(
        None,
        env="OPENAI_BASE_URL",
        client="openaiBaseUrl",
        trust="user",
        description="OpenAI(-compatible) endpoint",
    )
    anthropic_key_env: str = setting(
        "ANTHROPIC_API_KEY",
        client="anthropicKeyEnv",
        trust="user",
        description="Anthropic key",
    )
    openai_key_env: str = setting(
        "OPENAI_API_KEY",
        client="openaiKeyEnv",
        trust="user",
        description="OpenAI key",
    )
    request_timeout_s: float = setting(
        120.0,
        env="COUNTERPOINT_REQUEST_TIMEOUT",
        client="requestTimeout",
        trust="lower",
        description="Per-call timeout, seconds",
    )
    max_retries: int = setting(
        2,
        env="COUNTERPOINT_MAX_RETRIES",
        client="maxRetries",
        trust="lower",
        at_most=MAX_RETRIES_LIMIT,
        description="SDK retries per call (429, 5xx, timeouts, resets); at most 5, and voices "
        "× this per request",
    )
    repair_rounds: int = setting(
        1,
        env="COUNTERPOINT_REPAIR_ROUNDS",
        client="repairRounds",
        trust="lower",
        at_most=MAX_REPAIR_ROUNDS,
        description="Repair rounds: a proposal failing a test another version passes may revise "
        "this often (0: off; at most 3)",
    )
    context_chars: int = setting(
        8_000, client="contextChars", trust="lower", description="Context budget, characters"
    )
    cache_dir: str | None = setting(
        None,
        env="COUNTERPOINT_CACHE_DIR",
        client="cacheDir",
        trust="user",
        description="Cache directory (snapshots, test runs)",
    )
    execute: bool = setting(
        True,
        env="COUNTERPOINT_EXECUTE",
        client="execute",
        trust="off",  # running tests executes the repository's code
        description="Run tests at all",
    )
    cache: bool = setting(
        True,
        env="COUNTERPOINT_CACHE",
        client="cache",
        trust="off",  # the user may keep the models' replies (about their code) off disk
        description="Cache model replies and test results",
    )
    cache_size_mb: int = setting(
        512, client="cacheSizeMb", trust="lower", description="Cache size bound, MB"
    )
    voices_config: tuple[Any, ...] = setting(
        (),
        env="COUNTERPOINT_VOICES",
        client="voices",
        trust="user",
        description="Voices (more than two, other endpoints)",
    )
    prices: dict[str, Any] = setting(
        {},
        env="COUNTERPOINT_PRICES",
        client="prices",
        trust="user",
        description="Prices, $ per million tokens",
    )
    max_cost_usd: float | None = setting(
        None,
        env="COUNTERPOINT_MAX_COST",
        client="maxCostPerRequest",
        trust="lower",
        description="Per-request cost cap, USD",
    )
    max_cost_per_session_usd: float | None = setting(
        None,
        env="COUNTERPOINT_MAX_SESSION_COST",
        client="maxCostPerSession",
        trust="lower",
        description="Per-session cost cap, USD (all requests of one server)",
    )
    max_concurrent_checks: int = setting(
        4,
        env="COUNTERPOINT_MAX_CONCURRENT_CHECKS",
        client="maxConcurrentChecks",
        trust="lower",
        at_least=1,
        description="Cross-checks running at once (4× as many more may wait)",
    )
    python: str | None = setting(
        None,
        env="COUNTERPOINT_PYTHON",
        client="python",
        trust="user",
        description="Interpreter for the workspace's tests",
    )
    # Not the user's choice but the editor's: VS Code's client sends the Python extension's
    # selected interpreter, tried after the activated environment and the project's own.
    editor_python: str | None = setting(
        None,
        client="editorPython",
        trust="user",
        description="Interpreter selected in the editor (VS Code: the Python extension's)",
    )
    run_timeout_s: float = setting(
        120.0,
        env="COUNTERPOINT_RUN_TIMEOUT",
        client="runTimeout",
        trust="lower",
        description="Timeout for one whole test run, seconds",
    )
    test_timeout_s: float = setting(
        10.0,
        env="COUNTERPOINT_TEST_TIMEOUT",
        client="testTimeout",
        trust="lower",
        description="Timeout for one test, seconds",
    )
    unsafe_no_sandbox: bool = setting(
        False,
        env="COUNTERPOINT_UNSAFE_NO_SANDBOX",
        client="unsafeNoSandbox",
        trust="user",  # unsafe: the user's choice alone
        description="Run tests without a sandbox (unsafe)",
    )
    # Not a setting: what went wrong while merging, for the front end to show.
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
        fields = {f.name: f for f in dataclasses.fields(self) if f.name in DECLARATIONS}
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
            except (TypeError, ValueError, OverflowError):  # int(1e400): JSON's infinity
                problems.append(
                    f"{origin}: {key}={_shown(value)} is not a valid {fields[name].type}; "
                    "using the default"
                )
                continue
            declared = DECLARATIONS[name]
            if declared.at_most is not None and changes[name] > declared.at_most:
                problems.append(
                    f"{origin}: {key}={_shown(value)} is above the limit; using {declared.at_most}"
                )
                changes[name] = declared.at_most
            if declared.at_least is not None and changes[name] < declared.at_least:
                problems.append(
                    f"{origin}: {key}={_shown(value)} must be at least {declared.at_least}; "
                    "using the default"
                )
                del changes[name]
        return dataclasses.replace(self, **changes, problems=tuple(problems))

    def tightened_by(
        self, overrides: Mapping[str, Any] | None, origin: str
    ) -> tuple[Settings, dict[str, str]]:
        """Apply values the user may not have written (workspace/configuration): the settings
        in USER_ONLY are ignored, those in TIGHTEN_ONLY are taken only when stricter than the
        user's own, the rest apply. Returns the settings and, for each ignored key as spelled,
        why."""
        if not overrides:
            return self, {}
        ignored: dict[str, str] = {}
        candidate = self.merged(overrides, origin)
        taken: dict[str, Any] = {}
        for key in overrides:
            name = _CAMEL.get(key, key)
            if name not in DECLARATIONS:  # a method's name ("secrets") is not a setting either
                continue
            mine, theirs = getattr(self, name), getattr(candidate, name)
            if theirs == mine:
                continue
            if name in USER_ONLY:
                ignored[key] = (
                    "a repository's settings cannot choose where your keys go, which programs "
                    "run, which models you pay for or their prices. Set it in your user "
                    "settings (the client sends those) or the environment"
                )
            elif name in TIGHTEN_ONLY and not TIGHTEN_ONLY[name](theirs, mine):
                shown = "none" if mine is None else repr(mine)
                ignored[key] = (
                    f"{_shown(theirs)} is looser than yours ({shown}), and a repository's settings "
                    "may only tighten yours"
                )
            else:
                taken[name] = theirs
        return dataclasses.replace(self, **taken, problems=candidate.problems), ignored

    def cache_root(self) -> Path:
        return Path(self.cache_dir) if self.cache_dir else Path(user_cache_dir("counterpoint"))

    def execution_options(self) -> ExecutionOptions:
        return ExecutionOptions(
            store_dir=self.cache_root() / "execution",
            interpreters={"python": self.python} if self.python else {},
            editor_interpreters={"python": self.editor_python} if self.editor_python else {},
            run_timeout_s=self.run_timeout_s,
            test_timeout_s=self.test_timeout_s,
            unsafe_no_sandbox=self.unsafe_no_sandbox,
        )

    def run_options(self) -> RunOptions:
        # The pipeline's own deadline sits above the SDK's timeout plus its retries.
        deadline = self.request_timeout_s * (self.max_retries + 1) + 5
        prices = dict(PRICES_PER_MTOK)
        prices.update({model: (float(p[0]), float(p[1])) for model, p in self.prices.items()})
        return RunOptions(
            call_timeout_s=deadline,
            context_chars=self.context_chars,
            prices=prices,
            max_cost_usd=self.max_cost_usd,
            max_retries=self.max_retries,
            repair_rounds=self.repair_rounds,
        )

    def session_budget(self) -> Budget:
        return Budget(self.max_cost_per_session_usd, "per-session (maxCostPerSession)")

    def secrets(self, env: Mapping[str, str] | None = None) -> list[str]:
        """Values to scrub from prompts: the keys and anything named like a secret (KEY, TOKEN,
        SECRET, PASSWORD, PASSWD, CREDENTIAL)."""
        env = os.environ if env is None else env
        return environment_secrets(env.items())

    def voices(
        self, env: Mapping[str, str] | None = None, cache: DiskCache | None = None
    ) -> list[Voice]:
        """Build the voices, or raise ConfigError naming every missing key."""
        env = os.environ if env is None else env
        self.check_keys(env)
        specs = self.voice_specs()
        voices = []
        for spec in specs:
            key = env.get(spec.key_env) or KEYLESS
            client: ModelClient = WIRE_FORMATS[spec.provider].client(
                spec.model, key, spec.base_url, self.request_timeout_s, self.max_retries
            )
            if cache is not None and cache.enabled:
                client = CachedClient(client, cache, spec.base_url)
            voices.append(Voice(spec.id, spec.name, client, family_name=spec.family))
        return voices

    def check_keys(self, env: Mapping[str, str] | None = None) -> None:
        """Raise ConfigError naming every missing key; builds nothing (imports no SDK)."""
        env = os.environ if env is None else env
        missing = [
            f"{spec.key_env} (or a base URL for {spec.name})"
            for spec in self.voice_specs()
            if not env.get(spec.key_env) and not spec.base_url
        ]
        if missing:
            raise ConfigError("no key or base URL configured: set " + " and ".join(missing))

    def voice_specs(self) -> list[VoiceSpec]:
        """The configured voices, or Claude and GPT from the model settings."""
        if not self.voices_config:
            return [
                VoiceSpec(
                    "claude",
                    "Claude",
                    "anthropic",
                    self.claude_model,
                    self.anthropic_base_url,
                    self.anthropic_key_env,
                    "anthropic",
                ),
                VoiceSpec(
                    "gpt",
                    "GPT",
                    "openai",
                    self.gpt_model,
                    self.openai_base_url,
                    self.openai_key_env,
                    "openai",
                ),
            ]
        specs = []
        for index, raw in enumerate(self.voices_config):
            if not isinstance(raw, Mapping):
                raise ConfigError(f"voices[{index}] must be an object")
            provider = raw.get("provider")
            if not isinstance(provider, str) or provider not in WIRE_FORMATS:  # [] is unhashable
                raise ConfigError(f"voices[{index}].provider must be {registry.described()}")
            model = raw.get("model")
            if not isinstance(model, str) or not model:
                raise ConfigError(f"voices[{index}].model is required")
            voice_id = str(raw.get("id") or model)
            specs.append(
                VoiceSpec(
                    id=voice_id,
                    name=str(raw.get("name") or voice_id),
                    provider=provider,
                    model=model,
                    base_url=raw.get("baseUrl") or None,
                    key_env=str(raw.get("keyEnv") or WIRE_FORMATS[provider].key_env),
                    family=str(raw.get("family") or provider),
                )
            )
        if len(specs) < 2 or len({spec.family for spec in specs}) < 2:
            raise ConfigError("voices: configure at least two voices from different families")
        if len({spec.id for spec in specs}) != len(specs):
            raise ConfigError("voices: each voice needs a distinct id")
        return specs


@dataclass(frozen=True)
class VoiceSpec:
    """A voice as configured: the wire format, model, endpoint, key variable and family."""

    id: str
    name: str
    provider: str  # a wire format: a key of providers.registry.WIRE_FORMATS
    model: str
    base_url: str | None
    key_env: str
    family: str  # who made the model: judges are always of another family


# Everything below is derived from the declarations in Settings' fields.
DECLARATIONS: dict[str, Setting] = {
    f.name: f.metadata[SETTING] for f in dataclasses.fields(Settings) if SETTING in f.metadata
}
_ENV = {name: d.env for name, d in DECLARATIONS.items() if d.env is not None}
_CAMEL = {d.client: name for name, d in DECLARATIONS.items() if d.client is not None}


def _lower(theirs: Any, mine: Any) -> bool:
    return mine is None or (theirs is not None and theirs <= mine)


def _off(theirs: Any, mine: Any) -> bool:
    return not theirs or bool(mine) == bool(theirs)


_STRICTER: dict[Trust, Strictness] = {"lower": _lower, "off": _off}

# Settings only the user sets: where keys go, which programs run, which models are paid for, at
# what price. A workspace's values of them are ignored.
USER_ONLY = frozenset(name for name, d in DECLARATIONS.items() if d.trust == "user")
# Limits a workspace may only make stricter than the user's own: is `theirs` at least as strict?
TIGHTEN_ONLY: dict[str, Strictness] = {
    name: _STRICTER[d.trust] for name, d in DECLARATIONS.items() if d.trust != "user"
}


def client_spellings(names: frozenset[str] | Mapping[str, Any]) -> list[str]:
    """The camelCase keys the editor uses for these fields."""
    return sorted(key for key, name in _CAMEL.items() if name in names)


def _shown(value: Any, limit: int = 40) -> str:
    """A value for a message, cut short: a repository's text must not fill the user's window."""
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _coerce(annotation: Any, value: Any) -> Any:
    kind = str(annotation)
    if kind.startswith("dict"):
        if isinstance(value, str):
            value = json.loads(value)
        if not isinstance(value, Mapping) or not all(
            isinstance(p, (list, tuple))
            and len(p) == 2
            and all(isinstance(x, (int, float)) and x >= 0 for x in p)
            for p in value.values()
        ):
            raise TypeError("not a {model: [input, output]} table")
        return dict(value)
    if kind.startswith("tuple"):
        if isinstance(value, str):
            value = json.loads(value)  # COUNTERPOINT_VOICES holds JSON
        if not isinstance(value, (list, tuple)):
            raise TypeError("not a list")
        return tuple(value)
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
        if not number > 0:  # NaN too: it compares false with every cap and every user's value
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
