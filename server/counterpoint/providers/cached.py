"""A model client that answers repeated identical calls from the cache.

The key is a hash of the provider, the endpoint, the model and the full request; the prompt it
hashes has already had secrets redacted, and keys are never part of it.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json

from counterpoint.cache import DiskCache
from counterpoint.model.calls import ModelClient, ModelReply, StructuredCall, TokenCallback


class CachedClient:
    def __init__(self, inner: ModelClient, cache: DiskCache, endpoint: str | None) -> None:
        self.inner = inner
        self.cache = cache
        self.endpoint = endpoint or "default"
        self.provider = inner.provider
        self.model = inner.model

    def key(self, call: StructuredCall) -> str:
        # The delimiter token is fresh per call, so it is left out: the prompt is hashed as the
        # pieces between its occurrences, which the prompt builder keeps out of every quoted text.
        token = call.delimiter_token
        system = call.system.split(token) if token else call.system
        user = call.user.split(token) if token else call.user
        request = [
            self.provider,
            self.endpoint,
            self.model,
            system,
            user,
            call.schema_name,
            call.schema,
            call.max_tokens,
        ]
        digest = hashlib.sha256(json.dumps(request, sort_keys=True).encode()).hexdigest()
        return f"reply:{digest}"

    async def complete(
        self,
        call: StructuredCall,
        max_retries: int | None = None,
        on_tokens: TokenCallback | None = None,
    ) -> ModelReply:
        key = self.key(call)
        hit = self.cache.get(key)
        if isinstance(hit, ModelReply):  # nothing streamed: no time to a first token
            return dataclasses.replace(hit, cached=True, retries=0, first_token_s=None)
        reply = await self.inner.complete(call, max_retries, on_tokens)
        self.cache.set(key, reply)
        return reply

    async def close(self) -> None:
        close = getattr(self.inner, "close", None)
        if close is not None:
            await close()
