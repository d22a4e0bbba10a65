"""What both adapters share: one SDK client per voice, its retries set per call, one streamed
request sent and read with the SDK's errors mapped, a stalled stream ended, and closing."""

from __future__ import annotations

import asyncio
import contextlib
import math
import time
from types import ModuleType
from typing import Any, Protocol

# The transport both SDKs are built on: a stream's read timeout or dropped connection comes out
# of `anthropic`'s stream iterator as this library's exception, not as the SDK's own.
import httpx2

from counterpoint.model.calls import (
    TOKENS_EVERY_S,
    ModelReply,
    ProviderError,
    StructuredCall,
    TokenCallback,
    Usage,
)
from counterpoint.model.vocabulary import FailureKind
from counterpoint.providers.errors import from_sdk_error, retries_before

# Once a stream has begun, a gap of this long between its events (the SDKs keep pings to
# themselves) is a stall, however long the per-request timeout; before its first event the
# request timeout applies, as it did unstreamed, since a model may think before it writes.
STALL_CAP_S = 60.0
CHARS_PER_TOKEN = 4  # the estimate of output tokens while a stream does not count them


class OutputMeter:
    """How far a streamed reply has been written: when its first output came, and the tokens so
    far, told to `on_tokens` rising and at most every TOKENS_EVERY_S (the last count always)."""

    def __init__(self, on_tokens: TokenCallback | None, sent_at: float) -> None:
        self._on_tokens = on_tokens
        self._sent_at = sent_at
        self.first_token_s: float | None = None
        self.chars = 0
        self.counted: int | None = None  # what the stream itself said, once it says
        self._told = 0
        self._told_at = -math.inf

    @property
    def tokens(self) -> int:
        if self.counted is not None:
            return self.counted
        return math.ceil(self.chars / CHARS_PER_TOKEN)

    def wrote(self, chars: int) -> None:
        """`chars` more characters of output arrived."""
        if chars <= 0:
            return
        if self.first_token_s is None:
            self.first_token_s = time.monotonic() - self._sent_at
        self.chars += chars
        self._tell()

    def count(self, tokens: int) -> None:
        """The stream says how many output tokens it has written."""
        self.counted = tokens
        self._tell()

    def finish(self) -> None:
        self._tell(final=True)

    def _tell(self, final: bool = False) -> None:
        now, tokens = time.monotonic(), self.tokens
        if self._on_tokens is None or tokens <= self._told:
            return
        if not final and now - self._told_at < TOKENS_EVERY_S:
            return
        self._told, self._told_at = tokens, now
        self._on_tokens(tokens)


class Streamed(Protocol):
    """One call's stream in an adapter's wire format: how it is sent, what each event adds,
    and the reply (or the ProviderError) it comes to."""

    usage: Usage  # so far

    async def send(self, sdk: Any) -> Any:
        """Send the request with `sdk`; the SDK's stream once its response has arrived."""

    def read(self, event: Any, meter: OutputMeter) -> None:
        """Fold one event in; tell `meter` the output it wrote."""

    def reply(self, retries: int, first_token_s: float | None) -> ModelReply:
        """The reply of a stream read to its end, or the ProviderError it amounts to."""


class SdkAdapter:
    """Subclasses name their SDK in the class statement:
    `class AnthropicClient(SdkAdapter, sdk=anthropic, client=…, error=…, label="Anthropic")`,
    and say how a call streams in `streamed`."""

    provider = ""  # the wire format, a key of providers.registry.WIRE_FORMATS
    label = ""  # the provider as error messages name it
    sdk: ModuleType  # the official SDK's module
    sdk_class: Any = None  # its async client class
    sdk_error: type[Exception] = Exception  # the base of its exceptions

    def __init_subclass__(
        cls, *, sdk: ModuleType, client: Any, error: type[Exception], label: str, **kwargs: Any
    ) -> None:
        super().__init_subclass__(**kwargs)
        cls.provider, cls.label = sdk.__name__, label
        cls.sdk, cls.sdk_class, cls.sdk_error = sdk, client, error

    def __init__(
        self, model: str, api_key: str, base_url: str | None, timeout_s: float, max_retries: int
    ) -> None:
        self.model = model
        self._timeout_s = timeout_s
        self.stall_s = min(timeout_s, STALL_CAP_S)
        self._sdk = self.sdk_class(
            api_key=api_key, base_url=base_url, timeout=timeout_s, max_retries=max_retries
        )

    def streamed(self, call: StructuredCall) -> Streamed:
        raise NotImplementedError

    async def complete(
        self,
        call: StructuredCall,
        max_retries: int | None = None,
        on_tokens: TokenCallback | None = None,
    ) -> ModelReply:
        """Send `call` and read its stream: the SDK's errors, a reply that cannot be read and a
        stream that stalls for `stall_s` become a ProviderError carrying the retries taken and
        the usage so far; the stream is closed in every case."""
        streamed = self.streamed(call)
        sdk = self._sdk if max_retries is None else self._sdk.with_options(max_retries=max_retries)
        meter = OutputMeter(on_tokens, time.monotonic())
        try:
            stream = await streamed.send(sdk)
        except (self.sdk_error, ValueError) as error:
            raise from_sdk_error(self.sdk, error, self.label, self._timeout_s) from error
        retries = retries_before(stream.response)
        wait = self._timeout_s  # for the first event; then stall_s between events
        try:
            events = stream.__aiter__()
            while True:
                try:
                    event = await asyncio.wait_for(events.__anext__(), wait)
                except StopAsyncIteration:
                    break
                wait = self.stall_s
                streamed.read(event, meter)
        except ProviderError as error:
            raise _during(error, retries, streamed.usage) from None
        except (asyncio.TimeoutError, httpx2.TimeoutException, self.sdk.APITimeoutError) as error:
            raise _during(self._stalled(wait), retries, streamed.usage) from error
        except (httpx2.TransportError, self.sdk.APIConnectionError) as error:
            cause = error.__cause__ if isinstance(error, self.sdk_error) else error
            broken = ProviderError(
                FailureKind.UNREACHABLE,
                f"{self.label}'s stream broke off: {type(cause or error).__name__}",
            )
            raise _during(broken, retries, streamed.usage) from error
        except (self.sdk_error, ValueError) as error:
            mapped = from_sdk_error(self.sdk, error, self.label, self._timeout_s)
            raise _during(mapped, retries, streamed.usage) from error
        finally:
            with contextlib.suppress(Exception):
                await stream.close()
        meter.finish()
        return streamed.reply(retries, meter.first_token_s)

    def _stalled(self, waited: float) -> ProviderError:
        return ProviderError(
            FailureKind.TIMEOUT, f"{self.label}'s stream stalled: no data for {waited:g} s"
        )

    async def close(self) -> None:
        await self._sdk.close()


def _during(error: ProviderError, retries: int, usage: Usage) -> ProviderError:
    """An error met once the stream had begun: the retries before it, the usage so far."""
    error.retries = retries
    if error.usage == Usage():
        error.usage = usage
    return error
