"""Claude through the official `anthropic` SDK: the Messages API with a forced tool call."""

from __future__ import annotations

import anthropic

from counterpoint.model.calls import ModelReply, ProviderError, StructuredCall, Usage
from counterpoint.model.vocabulary import FailureKind
from counterpoint.providers.base import SdkAdapter


class AnthropicClient(
    SdkAdapter,
    sdk=anthropic,
    client=anthropic.AsyncAnthropic,
    error=anthropic.AnthropicError,
    label="Anthropic",
):
    async def complete(self, call: StructuredCall, max_retries: int | None = None) -> ModelReply:
        message, retries = await self._send(
            lambda sdk: sdk.messages,
            max_retries,
            max_tokens=call.max_tokens,
            system=call.system,
            messages=[{"role": "user", "content": call.user}],
            tools=[
                {
                    "name": call.schema_name,
                    "description": "Submit your answer in this structure.",
                    "input_schema": call.schema,
                }
            ],
            tool_choice={"type": "tool", "name": call.schema_name},
        )
        usage = Usage(message.usage.input_tokens, message.usage.output_tokens)
        data = None
        texts = []
        for block in message.content:
            if block.type == "tool_use" and block.name == call.schema_name:
                data = block.input if isinstance(block.input, dict) else None
            elif block.type == "text":
                texts.append(block.text)
        text = "\n".join(texts)
        if message.stop_reason == "refusal":
            raise ProviderError(
                FailureKind.REFUSAL, f"Claude declined: {text[:200]}", usage=usage, retries=retries
            )
        if message.stop_reason == "max_tokens":
            raise ProviderError(
                FailureKind.TRUNCATED, "Claude's reply hit max_tokens", usage=usage, retries=retries
            )
        if data is None and not text.strip():
            raise ProviderError(
                FailureKind.EMPTY, "Claude's reply was empty", usage=usage, retries=retries
            )
        return ModelReply(
            data, text, usage, message.model, message.stop_reason or "", retries=retries
        )
