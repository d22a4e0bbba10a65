"""What both adapters share: one SDK client per voice, its retries set per call, one request
sent and read with the SDK's errors mapped, and closing."""

from __future__ import annotations

import inspect
from collections.abc import Callable
from types import ModuleType
from typing import Any

from counterpoint.providers.errors import from_sdk_error


class SdkAdapter:
    """Subclasses name their SDK in the class statement:
    `class AnthropicClient(SdkAdapter, sdk=anthropic, client=…, error=…, label="Anthropic")`."""

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
        self._sdk = self.sdk_class(
            api_key=api_key, base_url=base_url, timeout=timeout_s, max_retries=max_retries
        )

    async def _send(
        self, endpoint: Callable[[Any], Any], max_retries: int | None, **body: Any
    ) -> tuple[Any, int]:
        """The parsed reply of `endpoint(client).create(model=…, **body)` and the retries the
        SDK took; its errors, and a reply that cannot be read, become a ProviderError."""
        sdk = self._sdk if max_retries is None else self._sdk.with_options(max_retries=max_retries)
        raw = None
        try:
            raw = await endpoint(sdk).with_raw_response.create(model=self.model, **body)
            parsed = raw.parse()
            if inspect.isawaitable(parsed):
                parsed = await parsed
        except (self.sdk_error, ValueError) as error:
            mapped = from_sdk_error(self.sdk, error, self.label, self._timeout_s)
            if raw is not None:  # the reply came, after retries, but could not be read
                mapped.retries = raw.retries_taken
            raise mapped from error
        return parsed, raw.retries_taken

    async def close(self) -> None:
        await self._sdk.close()
