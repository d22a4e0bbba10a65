"""What both adapters share: one SDK client per voice, its retries set per call, and closing."""

from __future__ import annotations

from typing import Any


class SdkAdapter:
    provider = ""
    sdk_class: Any = None  # the SDK's async client class

    def __init__(
        self, model: str, api_key: str, base_url: str | None, timeout_s: float, max_retries: int
    ) -> None:
        self.model = model
        self._timeout_s = timeout_s
        self._sdk = self.sdk_class(
            api_key=api_key, base_url=base_url, timeout=timeout_s, max_retries=max_retries
        )

    def _sdk_with(self, max_retries: int | None) -> Any:
        """The client, with the request's remaining retry budget when it sets one."""
        return self._sdk if max_retries is None else self._sdk.with_options(max_retries=max_retries)

    async def close(self) -> None:
        await self._sdk.close()
