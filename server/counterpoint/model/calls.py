"""The seam between the pipeline and the model providers.

The pipeline asks for a structured reply through `ModelClient.complete`; adapters in `providers/`
implement it with the official SDKs. Nothing here imports an SDK.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from counterpoint.model.vocabulary import FailureKind


@dataclass(frozen=True)
class StructuredCall:
    """One model call that should answer with an object matching `schema`."""

    system: str
    user: str
    schema_name: str
    schema: dict[str, Any]
    max_tokens: int = 8192
    # The random token of the prompt's block delimiters (see prompts.py); it differs per call.
    delimiter_token: str = ""


@dataclass(frozen=True)
class Usage:
    input_tokens: int = 0
    output_tokens: int = 0

    def __add__(self, other: Usage) -> Usage:
        return Usage(
            self.input_tokens + other.input_tokens, self.output_tokens + other.output_tokens
        )

    def to_json(self) -> dict[str, int]:
        return {"input_tokens": self.input_tokens, "output_tokens": self.output_tokens}


@dataclass(frozen=True)
class ModelReply:
    """What came back: the structured object if the API gave one, and any text."""

    data: dict[str, Any] | None
    text: str = ""
    usage: Usage = field(default_factory=Usage)
    model: str = ""
    stop_reason: str = ""
    cached: bool = False  # answered from the cache: no model call was made
    retries: int = 0  # attempts the SDK repeated before this reply (rate limits, 5xx)
    # Seconds from sending the call (the SDK's retries included) to the first streamed output;
    # None when nothing was streamed (a cached reply, a client that does not stream).
    first_token_s: float | None = None


class ProviderError(Exception):
    """A model call failed. `kind` is short and stable: it appears in reports."""

    def __init__(
        self, kind: FailureKind, message: str, *, usage: Usage | None = None, retries: int = 0
    ) -> None:
        super().__init__(message)
        self.kind = kind
        self.message = message
        self.usage = usage or Usage()
        self.retries = retries  # attempts the SDK repeated before giving up

    def __str__(self) -> str:
        return f"{self.kind}: {self.message}"


# Told the output tokens written so far (an estimate while the stream does not say), rising,
# at most every TOKENS_EVERY_S seconds while a reply streams in.
TokenCallback = Callable[[int], None]
TOKENS_EVERY_S = 0.1


class ModelClient(Protocol):
    """`max_retries` lowers the client's own retry limit for one call: the run shares a retry
    budget between its calls. Replies and errors say how many retries were taken.
    `on_tokens`, when given, hears how far the reply has been written (see TokenCallback)."""

    provider: str  # the API family: "anthropic" or "openai"
    model: str

    async def complete(
        self,
        call: StructuredCall,
        max_retries: int | None = None,
        on_tokens: TokenCallback | None = None,
    ) -> ModelReply: ...
